vcl 4.1;
# The CDN stand-in of deploy/compose.yaml: round robin over the API hosts (each probed on
# /readyz), caching what they mark public for as long as Cache-Control says, and banning
# by surrogate key when Newsdesk POSTs a change's keys (NEWSDESK_PURGE_URL).

import directors;

probe ready {
    .url = "/readyz";
    .interval = 5s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
}

backend api1 { .host = "api-1"; .port = "8000"; .probe = ready; }
backend api2 { .host = "api-2"; .port = "8000"; .probe = ready; }

acl purgers {
    "172.30.0.0"/24;
}

sub vcl_init {
    new api = directors.round_robin();
    api.add_backend(api1);
    api.add_backend(api2);
}

sub vcl_recv {
    set req.backend_hint = api.backend();
    if (req.method == "POST" && req.url == "/.newsdesk-purge") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
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
