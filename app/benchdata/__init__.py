"""Synthetic news archives for benchmarks: `newsdesk bench-data --articles N`.

- `morphology`: case paradigms of Ukrainian and Russian adjectives and surnames.
- `lexicon`: the words the archive is written with, aligned across ua/en/ru (news nouns,
  adjectives, cities, countries, organisations, towns, people, categories).
- `phrasebook_ua`, `phrasebook_en`, `phrasebook_ru`: each language's verbs and sentence
  templates.
- `grammar`: the vocabulary (word forms as ids) and the template language.
- `writer`: titles, leads and bodies of one article in one language, as word ids.
- `terms`: the search index content of a text, from its word ids.
- `taxonomy`: authors, tags and categories.
- `articles`: a batch of articles as rows per table, search index content included.
- `load`: writes it all into the database, batch by batch, with bulk Core inserts.
"""
