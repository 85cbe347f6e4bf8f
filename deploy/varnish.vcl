vcl 4.1;
# The CDN stand-in of deploy/compose.yaml: round robin over the API hosts (each probed on
# /healthz: /readyz says 503 while Redis is down, when the hosts still serve), caching
# what they mark public for as long as Cache-Control says, and banning by surrogate key
# when Newsdesk POSTs a change's keys (NEWSDESK_PURGE_URL): from the API hosts only, with
# the token of NEWSDESK_PURGE_HEADERS, keys as Newsdesk writes them.

import directors;
import std;

probe ready {
    .url = "/healthz";
    .interval = 5s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
}

backend api1 { .host = "api-1"; .port = "8000"; .probe = ready; }
backend api2 { .host = "api-2"; .port = "8000"; .probe = ready; }

acl purgers {
    "172.30.0.11";
    "172.30.0.12";
}

sub vcl_init {
    new api = directors.round_robin();
    api.add_backend(api1);
    api.add_backend(api2);
}

sub vcl_recv {
    set req.backend_hint = api.backend();
    if (req.method == "POST" && req.url == "/.newsdesk-purge") {
        if (client.ip !~ purgers || !req.http.X-Purge-Token
            || req.http.X-Purge-Token != std.getenv("PURGE_TOKEN")) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.Surrogate-Key !~ "^[A-Za-z0-9*-]+( [A-Za-z0-9*-]+)*$") {
            return (synth(400, "Bad Surrogate-Key"));
        }
        if (req.http.Surrogate-Key ~ "(^|\s)\*(\s|$)") {
            ban("req.url ~ /");  # a language changed: everything
        } else {
            ban("obj.http.Surrogate-Key ~ (^|\s)(" + regsuball(req.http.Surrogate-Key, " ", "|") + ")(\s|$)");
        }
        return (synth(200, "Banned"));
    }
    # The management API, logins and anything with a credential: never from the cache.
    if (req.url ~ "^/v1/(admin|auth)/" || req.http.Authorization) {
        return (pass);
    }
}
