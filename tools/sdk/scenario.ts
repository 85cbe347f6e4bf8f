// A frontend's first steps with the TypeScript client: openapi-fetch typed by the `paths`
// that openapi-typescript generates from openapi/openapi.json into ./newsdesk.ts.
//
//   node dist/scenario.js BASE_URL ADMIN_KEY
//
// Against a server with the demo newsroom loaded, it lists articles in `ua`, reads one with
// its alternates, creates an article and its English translation and publishes both with an
// admin key, reads them back publicly, uploads ./upload.jpg (createMedia, multipart), and
// gets a 404 as a typed `Problem`. It exits 1 with
// a message on the first failed expectation. tests/contract/test_sdks.py compiles it with
// `tsc --strict` (tsconfig.json here) and runs it against a live server.
import { readFile } from "node:fs/promises";
import createClient from "openapi-fetch";
import type { components, paths } from "./newsdesk.js";

type Alternate = components["schemas"]["Alternate"];
type PublicArticle = components["schemas"]["PublicArticle"];
type Problem = components["schemas"]["Problem"];
type MediaUpload = components["schemas"]["MediaUpload"];

class ScenarioFailed extends Error {}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ScenarioFailed(message);
}

/** What a call answered, for failure messages. */
function answer(response: Response, body: unknown): string {
  return `${response.status} ${JSON.stringify(body)?.slice(0, 500)}`;
}

const [baseUrl, adminKey, ...extra] = process.argv.slice(2);
if (baseUrl === undefined || adminKey === undefined || extra.length > 0) {
  console.error("usage: node scenario.js BASE_URL ADMIN_KEY");
  process.exit(2);
}
const api = createClient<paths>({ baseUrl });
const admin = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${adminKey}` } });
const OTHER_LANGUAGES = ["en", "ru"];

async function readArticle(lang: string, slug: string): Promise<PublicArticle> {
  const { data, error, response } = await api.GET("/v1/{lang}/articles/{slug}", {
    params: { path: { lang, slug } },
  });
  expect(data !== undefined, `getArticle ${lang}/${slug}: ${answer(response, error)}`);
  expect(
    data.language === lang && data.slug === slug,
    `getArticle ${lang}/${slug} answered ${data.language}/${data.slug}`,
  );
  const links = response.headers.get("link") ?? "";
  expect(
    links.includes(`<${data.canonical_url}>; rel="canonical"`),
    `${lang}/${slug}: no canonical Link header: ${links}`,
  );
  for (const alternate of data.alternates) {
    expect(
      links.includes(`<${alternate.url}>; rel="alternate"; hreflang="${alternate.bcp47}"`),
      `${lang}/${slug}: no Link header for the alternate ${alternate.url}: ${links}`,
    );
  }
  return data;
}

// The languages of the article's other public versions: every public version is listed
// once, its own flagged `current` (at the article's own URL).
function alternateLanguages(article: PublicArticle): string[] {
  const languages = article.alternates.map((a: Alternate) => a.language).sort();
  const current = article.alternates.filter((a: Alternate) => a.current);
  expect(
    new Set(languages).size === languages.length &&
      current.length === 1 &&
      current[0]?.language === article.language &&
      current[0]?.url === article.url,
    `${article.path}: alternates repeat a language or do not flag the article's own: ${languages}`,
  );
  return languages.filter((l) => l !== article.language);
}

async function checkListingAndAlternates(): Promise<void> {
  const { data: page, error, response } = await api.GET("/v1/{lang}/articles", {
    params: { path: { lang: "ua" }, query: { limit: 20 } },
  });
  expect(page !== undefined, `listArticles ua: ${answer(response, error)}`);
  const first = page.items[0];
  expect(first !== undefined, "listArticles ua: no articles (is the demo newsroom loaded?)");
  expect(
    page.items.every((card) => card.language === "ua"),
    `listArticles ua: other languages in the list: ${page.items.map((c) => c.language)}`,
  );
  const times = page.items.map((card) => Date.parse(card.published_at));
  expect(
    times.every((time, i) => i === 0 || time <= (times[i - 1] ?? time)),
    "listArticles ua: not newest first",
  );
  console.log(`listArticles ua: ${page.items.length} articles, first '${first.slug}'`);

  for (const card of page.items) {
    const article = await readArticle("ua", card.slug);
    expect(article.id === card.id, `${card.path}: the article is not the listed one`);
    if (alternateLanguages(article).join() !== OTHER_LANGUAGES.join()) continue;
    for (const alternate of article.alternates.filter((a: Alternate) => !a.current)) {
      const other = await readArticle(alternate.language, alternate.slug);
      expect(other.id === article.id, `${alternate.path}: another article`);
      const expected = ["ua", ...OTHER_LANGUAGES].filter((l) => l !== alternate.language).sort();
      expect(
        alternateLanguages(other).join() === expected.join(),
        `${alternate.path}: its alternates are not the other two languages`,
      );
    }
    console.log(`getArticle ua/${article.slug}: alternates en and ru resolve to the same article`);
    return;
  }
  throw new ScenarioFailed("listArticles ua: no article with public en and ru versions");
}

async function createAndPublish(): Promise<void> {
  const marker = Math.random().toString(16).slice(2, 10);
  const title = `Київ відкриває міст метро ${marker}`;
  const created = await admin.POST("/v1/admin/articles", {
    body: {
      original_language: "ua",
      translations: {
        ua: {
          title,
          lead: "Рух поїздів відновлено.",
          body_html: "<p>Рух поїздів мостом відновлено після ремонту.</p>",
        },
      },
    },
  });
  expect(created.data !== undefined, `createArticle: ${answer(created.response, created.error)}`);
  expect(created.response.status === 201, `createArticle: ${created.response.status}`);
  const article = created.data;
  const original = article.translations["ua"];
  expect(original?.status === "draft", `a new article is not a draft: ${original?.status}`);

  const english = await admin.PUT("/v1/admin/articles/{article_id}/translations/{lang}", {
    params: { path: { article_id: article.id, lang: "en" } },
    body: {
      title: `Kyiv reopens the metro bridge ${marker}`,
      lead: "Trains run again.",
      body_html: "<p>Trains cross the bridge again after repairs.</p>",
    },
  });
  expect(
    english.data !== undefined && english.response.status === 201,
    `putTranslation en: ${answer(english.response, english.error)}`,
  );
  const draft = await api.GET("/v1/{lang}/articles/{slug}", {
    params: { path: { lang: "ua", slug: original.slug } },
  });
  expect(draft.response.status === 404, `a draft is public: ${draft.response.status}`);

  for (const lang of ["ua", "en"]) {
    const published = await admin.POST(
      "/v1/admin/articles/{article_id}/translations/{lang}/publish",
      { params: { path: { article_id: article.id, lang } } },
    );
    expect(
      published.data?.status === "published" && published.data.public,
      `publishTranslation ${lang}: ${answer(published.response, published.data ?? published.error)}`,
    );
  }
  console.log(`createArticle ${article.id}: ua and en published`);

  const ua = await readArticle("ua", original.slug);
  expect(ua.id === article.id && ua.title === title, `${ua.path}: not the new article`);
  const uaAlternates = ua.alternates.map((a) => [a.language, a.bcp47, a.slug].join());
  expect(
    uaAlternates.join() === ["ua", "uk", original.slug, "en", "en", english.data.slug].join(),
    `${ua.path}: alternates ${JSON.stringify(ua.alternates)}`,
  );
  const en = await readArticle("en", english.data.slug);
  const enAlternates = en.alternates.map((a) => [a.language, a.bcp47, a.slug].join());
  expect(
    enAlternates.join() === ["ua", "uk", original.slug, "en", "en", english.data.slug].join(),
    `${en.path}: alternates ${JSON.stringify(en.alternates)}`,
  );
  const latest = await api.GET("/v1/{lang}/articles", {
    params: { path: { lang: "en" }, query: { limit: 1 } },
  });
  expect(
    latest.data?.items.map((card) => card.id).join() === article.id,
    "listArticles en: the new article is not the newest",
  );
  console.log(`getArticle ua/${ua.slug} and en/${en.slug}: public, alternates of each other`);
}

async function uploadImage(): Promise<void> {
  const picture = new Blob([await readFile("upload.jpg")], { type: "image/jpeg" });
  const fields: MediaUpload = {
    file: "upload.jpg",
    credit: "Newsdesk",
    translations: JSON.stringify({ en: { caption: "The sun", alt: "A yellow disc" } }),
    focal_point: "0.4,0.5",
  };
  const { data, error, response } = await admin.POST("/v1/admin/media", {
    body: fields,
    // openapi-typescript types the contract's binary `file` as a string: the form sends
    // the picture in its place (openapi-fetch leaves the multipart boundary to fetch).
    bodySerializer: (body) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(body ?? {})) {
        if (name === "file") form.append("file", picture, "upload.jpg");
        else if (typeof value === "string") form.append(name, value);
      }
      return form;
    },
  });
  expect(data !== undefined, `createMedia (multipart): ${answer(response, error)}`);
  expect(response.status === 201, `createMedia: ${response.status}`);
  expect(data.source === "upload", `createMedia: source ${data.source}`);
  const crops = new Set<string>(data.renditions.map((r) => r.crop ?? "whole"));
  expect(
    ["whole", "16:9", "4:3", "1:1"].every((crop) => crops.has(crop)),
    `createMedia: crops ${[...crops].join()}`,
  );
  console.log(`createMedia ${data.id}: uploaded, ${data.renditions.length} renditions`);
}

async function checkProblem(): Promise<void> {
  const { data, error, response } = await api.GET("/v1/{lang}/articles/{slug}", {
    params: { path: { lang: "ua", slug: "no-such-article-anywhere" } },
  });
  expect(data === undefined && error !== undefined, `missing slug: ${answer(response, data)}`);
  const problem: Problem = error; // the error of getArticle is typed from the contract
  expect(response.status === 404, `missing slug: ${response.status}`);
  expect(
    response.headers.get("content-type") === "application/problem+json",
    `404 content type: ${response.headers.get("content-type")}`,
  );
  expect(
    problem.status === 404 && problem.type === "/problems/not-found" && problem.title === "Not found",
    `404 problem: ${JSON.stringify(problem)}`,
  );
  expect(problem.detail.length > 0, "404 problem without a detail");
  console.log(`getArticle of a missing slug: Problem ${problem.status} ${problem.type}`);
}

try {
  await checkListingAndAlternates();
  await createAndPublish();
  await uploadImage();
  await checkProblem();
  console.log("typescript scenario: ok");
} catch (failure) {
  if (!(failure instanceof ScenarioFailed)) throw failure;
  console.error(`typescript scenario failed: ${failure.message}`);
  process.exit(1);
}
