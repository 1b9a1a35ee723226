"""The web app: server-rendered pages (Jinja2) at the site root, standard and elder mode.

Pages call the same service functions as the `/v1` API; nothing here decides about money.
Plain HTML forms work without JavaScript; `static/anxin.js` only enhances (read aloud, the
assistant chat and voice input, disabling a form's buttons after one submit). No third-party
JS or CSS, no CDN, no build step.

Conventions (for whoever adds a page)
-------------------------------------
Add a page
    Write a module `anxin/web/<page>.py` with `router = APIRouter(route_class=PageRoute)`
    (`anxin.web.pageroute`), add its router to `PAGE_ROUTERS` in `anxin/web/routes.py`, its
    template to `templates/<page>.html` (`{% extends "base.html" %}`, fill `title` and `main`,
    exactly one `<h1>` in `main`), its wording to BOTH `messages/zh.yaml` and
    `messages/en.yaml` (a test checks they have the same keys), and a header link to `NAV` in
    `anxin/web/nav.py` if it deserves one (`elder=True` to keep it in elder mode). `PageRoute`
    turns `LoginRequired` into a redirect to `/login?next=...` and any uncaught `AnxinError`
    into an error page in the user's language (never problem+json).

Get the current user
    Declare `page: UserPage` (signed-in pages; redirects to the login page otherwise) or
    `page: AnyPage` (login, sign-up) from `anxin.web.page`. `page.signed_in_user` is the
    `User`, `page.services` the app's `Services`, `page.lang` "zh"/"en", `page.elder` bool.
    Answer with `page.render("x.html", **context)` or, after a POST, `page.redirect(path)`
    (303, so reloading never re-posts). Handlers that do blocking DB work are plain `def`.

Translate
    In templates `t("key", name=...)` (str.format parameters); in Python `page.t(...)`.
    In elder mode `t("k")` returns `elder.k` when the catalogue has it (plainer wording),
    else `k`. Service errors: `page.error_text(error)` gives `errors.<slug>.<field>`, else
    `errors.<slug>`, in the user's language (English adds the service's own detail; refusal
    `reasons` are appended). Money: `{{ units | money(currency) }}`; times:
    `{{ micros | shown_time }}` (Asia/Shanghai).

Forms, CSRF and idempotency
    Every POST form includes `{{ csrf_field() }}` (`{% from "macros.html" import csrf_field,
    field, form_error with context %}`); a POST handler takes `form: PostedForm`, which has
    already checked the token and the `Origin` header (forbidden → error page) and gives the
    url-encoded fields (`form.get(name)` → '' when absent, `form.optional(name)`). Inputs use
    the `field(...)` macro: a label for every input, and the error for that field linked with
    `aria-describedby`; other errors show in `form_error(error, fields)` (role=alert). On an
    `AnxinError` re-render the form with the error and the values typed (status = the error's).
    Money-moving forms: the CONFIRMATION page generates `idempotency_key = new_id()` as a
    hidden field; the confirm handler passes it to the service as the Idempotency-Key, so a
    double submit replays the first result instead of paying twice. Add `data-once` to the
    `<form>` to disable its button after the first click.

Elder mode (大字版)
    `body.elder` switches `static/anxin.css` to 24px text, 56px targets and 7:1 contrast.
    A page in elder mode shows at most 4 big actions (`class="big-action"`, checked by the
    tests), no promotions, and confirmations restate amount and payee in large type
    (`<dl class="confirm-facts">` with `class="big"`). Every page gets the "朗读 / Read aloud"
    button from `base.html` (speechSynthesis on request only, never auto-played).

Performance
    A page must stay under 300 ms of server time with 10,000 transactions: read history a
    page at a time with the ledger's cursor queries (`ledger.queries.statement`), aggregate
    in SQL over a bounded window (`outflows_by_period`), and bound any per-line scan in
    Python (see `statement.py`). A query the ledger lacks goes into `ledger/queries.py`;
    `web/` never reads another capability's tables.

Accessibility
    `base.html` provides lang, skip link, header/nav/main/footer landmarks and visible focus.
    Pages keep one `<h1>`, headings in order, `<button>` for actions, text alternatives for
    images/SVG (`role="img"` + `<title>` and a data table), and colour contrast in both modes.
"""
