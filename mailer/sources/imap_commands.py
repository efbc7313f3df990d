"""IMAP commands the source and the watcher send: a connected client in, plain values out.

Selecting the folder (and naming the folders that exist when it is missing), SEARCH,
the size and Message-ID of candidates before downloading, the download itself with
`BODY.PEEK[]`, MOVE (or its COPY + UID EXPUNGE fallback) and the NOOP that tells
whether a kept connection still works. Each failure becomes a one-line SourceError.
"""

from __future__ import annotations

import logging

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from mailer.config.settings import ImapSource as ImapConfig
from mailer.sources import SourceError
from mailer.sources.imap_connect import where
from mailer.sources.imap_plan import Candidate, needs_utf8, parse_message_id

log = logging.getLogger(__name__)

HEADER_ITEM = b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
HEADER_KEY = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
INFO_CHUNK = 1000  # UIDs per FETCH of sizes and Message-IDs


def answers_noop(client: IMAPClient) -> bool:
    """Whether a kept connection still works (a server may have dropped it meanwhile)."""
    try:
        client.noop()
    except Exception:  # noqa: BLE001 bulkhead: any failure means the connection is gone
        return False
    return True


def select_folder(client: IMAPClient, config: ImapConfig, *, readonly: bool) -> int:
    """Select the configured folder; its UIDVALIDITY. SourceError when it does not exist."""
    return select_folder_counting(client, config, readonly=readonly)[0]


def select_folder_counting(
    client: IMAPClient, config: ImapConfig, *, readonly: bool
) -> tuple[int, int | None]:
    """Select the configured folder: its UIDVALIDITY, and how many messages it holds (the
    EXISTS of the answer; None if the server left it out)."""
    try:
        response = client.select_folder(config.folder, readonly=readonly)
    except IMAPClientError as e:
        raise SourceError(config.name, describe_missing_folder(client, config, e)) from e
    exists = response.get(b"EXISTS")
    return int(response[b"UIDVALIDITY"]), int(exists) if isinstance(exists, int) else None


def describe_missing_folder(client: IMAPClient, config: ImapConfig, error: Exception) -> str:
    try:
        names = [str(name) for _flags, _delim, name in client.list_folders()]
    except Exception:  # noqa: BLE001 bulkhead: the listing only decorates an error message
        names = []
    listing = f" (the server has: {', '.join(sorted(names)[:12])})" if names else ""
    return (
        f"cannot open folder {config.folder!r} at {where(config)}: check folder:{listing} "
        f"[{str(error).strip()[:120]}]"
    )


def search(client: IMAPClient, config: ImapConfig, criteria: list[object]) -> list[int]:
    try:
        charset = "UTF-8" if needs_utf8(criteria) else None
        return [int(uid) for uid in client.search(criteria, charset=charset)]
    except IMAPClientError as e:
        if config.gmail_raw and "X-GM-RAW" in str(e).upper():
            raise SourceError(config.name, "gmail_raw: works only with Gmail") from e
        raise SourceError(
            config.name, f"search failed at {where(config)}: check search: ({e})"
        ) from e


def fetch_candidates(
    client: IMAPClient, uids: list[int], *, with_message_id: bool
) -> list[Candidate]:
    """Sizes (and Message-IDs) of the messages, before downloading any of them."""
    items = [b"RFC822.SIZE"] + ([HEADER_ITEM] if with_message_id else [])
    found: list[Candidate] = []
    for start in range(0, len(uids), INFO_CHUNK):
        chunk = uids[start : start + INFO_CHUNK]
        for uid, data in client.fetch(chunk, items).items():
            message_id = parse_message_id(data.get(HEADER_KEY)) if with_message_id else None
            found.append(Candidate(int(uid), int(data.get(b"RFC822.SIZE", 0)), message_id))
    return found


def download(client: IMAPClient, uids: list[int]) -> dict[int, bytes]:
    """Whole messages without setting \\Seen (`BODY.PEEK[]`, answered as `BODY[]`)."""
    response = client.fetch(uids, [b"BODY.PEEK[]"])
    return {int(uid): data[b"BODY[]"] for uid, data in response.items() if b"BODY[]" in data}


def move_message(client: IMAPClient, uid: int, target: str) -> None:
    """MOVE when the server has it; else COPY, flag \\Deleted and UID EXPUNGE (UIDPLUS)."""
    if client.has_capability("MOVE"):
        client.move([uid], target)
        return
    client.copy([uid], target)
    client.add_flags([uid], [b"\\Deleted"], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])
    else:  # a plain EXPUNGE would also remove messages others flagged: leave it flagged
        log.warning("server has neither MOVE nor UIDPLUS: UID %s copied and flagged deleted", uid)
