"""The Slack app inside `mailer serve` (docs/slack-app.md), on slack-bolt.

Readers subscribe from Slack (`/papers subscribe LoRA size<=13B`); subscriptions are
stored (`mailer.store.subscriptions`) and compiled with the YAML rules into one matcher
(`mailer.slackapp.rules`). Only `server.py` and `handlers.py` import slack-bolt, and
`mailer serve` imports them only when `slack_app:` is configured.
"""
