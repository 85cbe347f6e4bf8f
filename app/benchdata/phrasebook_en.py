"""English: verbs (base, 3rd person singular, past, past participle, -ing; `|` between
forms of more than one word) and sentence templates."""

from app.benchdata.phrasebook import NUMBERS, Phrasebook

VERBS = {
    "V": """
    approve approves approved approved approving
    sign signs signed signed signing
    announce announces announced announced announcing
    discuss discusses discussed discussed discussing
    present presents presented presented presenting
    launch launches launched launched launching
    receive receives received received receiving
    restore restores restored restored restoring
    review reviews reviewed reviewed reviewing
    support supports supported supported supporting
    strengthen strengthens strengthened strengthened strengthening
    cut cuts cut cut cutting
    increase increases increased increased increasing
    inspect inspects inspected inspected inspecting
    attack attacks attacked attacked attacking
    open opens opened opened opening
    complete completes completed completed completing
    extend extends extended extended extending
    propose proposes proposed proposed proposing
    fund funds funded funded funding
    criticise criticises criticised criticised criticising
    prepare prepares prepared prepared preparing
    block blocks blocked blocked blocking
    build builds built built building
    hold holds held held holding
    reject rejects rejected rejected rejecting
""",
    "Vs": """
    say says said said saying
    state states stated stated stating
    stress stresses stressed stressed stressing
    note notes noted noted noting
    warn warns warned warned warning
    explain explains explained explained explaining
    admit admits admitted admitted admitting
    report reports reported reported reporting
    announce announces announced announced announcing
""",
    "Vi": """
    take place|takes place|took place|taken place|taking place
    continue continues continued continued continuing
    work works worked worked working
    appear appears appeared appeared appearing
    suffer suffers suffered suffered suffering
    recover recovers recovered recovered recovering
    begin begins began begun beginning
    end ends ended ended ending
    resume resumes resumed resumed resuming
""",
    "Vm": """
    rise rises rose risen rising
    fall falls fell fallen falling
    change changes changed changed changing
    grow grows grew grown growing
    decline declines declined declined declining
""",
}

TEMPLATES = {
    "title": [
        "{A!} {V.past} {N} {@pp}",
        "{A!} {V.prs} {N} [ {@pp} ]",
        "{P} : | {N!} {Vi.prog} {@pp}",
        "{N!} {Vi.past} in {C} [ {@time} ]",
        "{N!} {Vm.past} by {#} percent {@pp}",
        "{O!} {V.past} {N} after {N}",
        "{A!} {V.fut} {N} {@pp}",
        "in {R} , | {N!} {Vi.past} [ {@time} ]",
        "{A!} {V.perf} {N} for {N}",
    ],
    "body": [
        "{A!} {V.past} {N} [ {@pp} ] .",
        "{@time} , {A!} {V.past} {N} [ {@pp} ] .",
        "{A!} {Vs.past} that | {A!} {V.prs} {N} [ {@pp} ] .",
        "according to {P} , | {N!} {Vi.past} [ {@pp} ] .",
        "in {C} , | {N!} {Vi.past} [ {@time} ] .",
        "“ {A!} {V.prs} {N} [ {@pp} ] , ” | {P!} {Vs.past} .",
        "this was {Vs.pp} by {P} [ {@pp} ] .",
        "{N!} {Vm.past} by {#} percent [ {@time} ] .",
        "earlier , {A!} {Vs.past} that | {N!} {Vi.prog} in {C} .",
        "{@open} {A!} {V.prs} {N} for {N} .",
        "as {P!} {Vs.past} , | {N!} {Vi.prs} [ {@pp} ] .",
        "in {R} , | {N!} {Vi.past} [ {@time} ] .",
        "{A!} {V.past} {N} in {R} .",
        "after {N} , | {A!} {V.past} {N} [ {@pp} ] .",
        "{@open} {N!} {Vi.prs} in {C} and {C} .",
        "{P!} {Vs.past} that | {N!} {Vm.past} by {#} percent [ {@time} ] .",
        "{N!} {Vi.past} amid {N} .",
        "according to {O} , | {N!} {Vm.prog} [ {@pp} ] .",
        "{A!} {V.perf} {N} and {N} [ {@pp} ] .",
        "{@open} {A!} {Vs.past} that | {N!} {Vi.perf} {@pp} .",
        "{A!} {V.past} {N} as early as {Y} .",
        "{A!} {V.fut} {N} {@pp} .",
        "{A!} {V.prog} {N} [ {@pp} ] .",
        "{A!} {V.past} {P} [ {@pp} ] .",
        "{N!} {Vi.past} outside {C} [ {@time} ] .",
        "{A!} {V.past} {N} near {C} .",
    ],
    "pp": [
        "in {C}", "in {C}", "in {K}", "amid {N}", "after {N}", "because of {N}", "over {N}",
        "for {N}", "during {N}", "together with {O}", "by the end of the year", "without {N}",
        "against {N}", "as part of {N}", "with the support of {O}", "{@time}", "near {C}",
        "from {K}", "between {C} and {C}", "during a meeting with {P}", "thanks to {N}",
        "ahead of {N}",
    ],
    "time": [
        "on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday",
        "on Sunday", "last week", "this week", "next week", "this year", "last year",
        "at the end of the year", "earlier this month", "yesterday", "today", "in January",
        "in February", "in March", "in April", "in May", "in June", "in July", "in August",
        "in September", "in October", "in November", "in December", "in {Y}",
    ],
    "open": [
        "meanwhile ,", "in addition ,", "at the same time ,", "however ,", "in particular ,",
        "earlier ,", "later ,", "notably ,", "separately ,",
    ],
}  # fmt: skip

PHRASEBOOK = Phrasebook(
    code="en",
    bcp47="en",
    inflected=False,
    quotes=("“", "”"),
    verbs=VERBS,
    templates=TEMPLATES,
    numbers=NUMBERS,
    bios=(
        (
            "News correspondent.",
            "Economics commentator.",
            "News feed editor.",
            "Reporter covering energy and infrastructure.",
            "International affairs commentator, formerly a correspondent in Brussels.",
        ),
    )
    * 2,
)
