"""Run the local Stripe-compatible test server (PyPI `localstripe`, GPL-3.0, a development and
test dependency only) bound to 127.0.0.1.

    python -m funding.stripe_server --port 8420 [--state-file var/localstripe.pickle | --no-persist]
        [--webhook-url http://127.0.0.1:8000/api/funding/webhooks/stripe/ --webhook-secret whsec_…]

`python -m localstripe` listens on every interface and saves its state to one fixed file in /tmp
on every write, shared by every copy running on the machine. This runner serves the same aiohttp
app on loopback only and keeps the state in a file of our choosing (or in memory for tests).

It also completes localstripe's stand-in for Stripe.js (`/js.stripe.com/v3/`) with the calls our
pages make (`createPaymentMethod`, `handleNextAction`, see `localstripe_additions.js`), and lets
a browser create a card PaymentMethod with the publishable key, as Stripe does.
"""

import argparse
import logging
import pickle
from pathlib import Path

ADDITIONS_JS = Path(__file__).with_name("localstripe_additions.js")


def _keep_state_in(store, path: Path | None) -> None:
    """Point localstripe's store at `path`, or keep it in memory when `path` is None."""

    def load() -> None:
        if path is None or not path.exists():
            return
        with path.open("rb") as f:
            saved = pickle.load(f)  # noqa: S301 - our own server's state file
        store.clear()
        store.update(saved)

    def dump() -> None:
        if path is None:
            return
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    store.try_load_from_disk = load
    store.dump_to_disk = dump


def _complete_stripe_js(app) -> None:
    """Serve the stand-in Stripe.js followed by our additions, and accept `POST /v1/payment_methods`
    from a browser that holds only the publishable key (`key=pk_…` in the body), like Stripe."""
    from aiohttp import web
    from localstripe import server
    from localstripe.resources import PaymentMethod

    stand_in = Path(server.__file__).with_name("localstripe-v3.js")

    @web.middleware
    async def browser_calls(request, handler):
        if request.method == "GET" and request.path == "/js.stripe.com/v3/":
            text = stand_in.read_text() + "\n" + ADDITIONS_JS.read_text()
            return web.Response(text=text, content_type="application/javascript")
        if (
            request.method == "POST"
            and request.path == "/v1/payment_methods"
            and not request.headers.get("Authorization")
        ):
            data = await server.get_post_data(request, remove_auth=False) or {}
            key = data.pop("key", None)
            if not (isinstance(key, str) and key.startswith("pk_")):
                return await handler(request)
            data.pop("payment_user_agent", None)
            data.pop("referrer", None)
            response = server.json_response(PaymentMethod._api_create(**data)._export())
            server.store.dump_to_disk()
            return response
        return await handler(request)

    # After localstripe's error middleware (which turns its UserError into Stripe's error body),
    # before its authentication.
    app.middlewares.insert(1, browser_calls)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Stripe test server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--state-file", type=Path, default=None, help="where to keep the server's data between runs")
    parser.add_argument("--no-persist", action="store_true", help="keep everything in memory (tests)")
    parser.add_argument("--webhook-url", default="", help="deliver events here, e.g. our /api/funding/webhooks/stripe/")
    parser.add_argument("--webhook-secret", default="", help="the signing secret (STRIPE_WEBHOOK_SECRET)")
    args = parser.parse_args(argv)

    from aiohttp import web
    from localstripe.resources import store
    from localstripe.server import app
    from localstripe.webhooks import register_webhook

    if args.no_persist:
        state = None
    else:
        state = args.state_file or Path(__file__).resolve().parents[2] / "var" / "localstripe.pickle"
        state.parent.mkdir(parents=True, exist_ok=True)
    _keep_state_in(store, state)
    store.try_load_from_disk()
    _complete_stripe_js(app)
    if args.webhook_url:
        if not args.webhook_secret:
            parser.error("--webhook-secret is required with --webhook-url")
        register_webhook("platform", args.webhook_url, args.webhook_secret, None)
    logger = logging.getLogger("aiohttp.access")
    logger.setLevel(logging.INFO)
    logger.addHandler(logging.StreamHandler())
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=logger, print=None)


if __name__ == "__main__":
    main()
