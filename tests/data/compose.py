"""Compose the parser fixtures (tests/data/<format>/) and the demo inbox (examples/inbox/).

Run once, review, commit the outputs: python tests/data/compose.py
MIME boundaries are random, so a re-run changes bytes but not what the parser reads;
regenerate the expected files afterwards with `pytest tests/test_parse_golden.py
--update-goldens` and review the diff.
"""
import html, sys, textwrap, shutil
from email.message import EmailMessage
from email import policy
from email.utils import format_datetime
from datetime import datetime, timezone, timedelta
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from compose_papers import HF_PAPERS, FWD_PAPERS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests/data"
INBOX = ROOT / "examples/inbox"
SAMPLES = ROOT.parent / "shared" / "samples"

def hf_link(pid, **utm):
    q = "?utm_source=daily-papers&utm_medium=email&utm_campaign=digest" if utm.get("utm", True) else ""
    return f"https://huggingface.co/papers/{pid}{q}"

def hf_html(papers, day, *, track=None):
    rows = []
    for n, p in enumerate(papers, 1):
        link = hf_link(p["id"])
        if track:
            link = track(link)
        authors = ", ".join(p["authors"])
        rows.append(f"""
<tr><td style="padding:16px 0;border-bottom:1px solid #eee">
  <a href="{html.escape(link)}"><img src="https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{p['id']}.png" width="560" alt="{html.escape(p['title'])}"></a>
  <h2 style="font-size:18px;margin:8px 0"><a href="{html.escape(link)}" style="color:#111">{html.escape(p['title'])}</a></h2>
  <p style="color:#666;font-size:13px">&#9650; {p['upvotes']} upvotes &middot; Authors: {html.escape(authors)}</p>
  <p style="font-size:14px;line-height:20px">{html.escape(p['summary'])}</p>
  <p><a href="https://arxiv.org/pdf/{p['id']}">PDF</a> &middot; <a href="https://huggingface.co/papers/{p['id']}#community">Discuss</a></p>
</td></tr>""")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Daily Papers</title>
<style>h2 a{{text-decoration:none}}</style></head>
<body style="font-family:Helvetica,Arial,sans-serif">
<table width="600" align="center" cellpadding="0" cellspacing="0">
<tr><td><a href="https://huggingface.co"><img src="https://huggingface.co/front/assets/huggingface_logo.svg" alt="Hugging Face" width="40"></a>
<h1 style="font-size:22px">Daily Papers &mdash; {day}</h1>
<p>The papers the community upvoted most today. <a href="https://huggingface.co/papers/date/2024-11-07">See all papers of the day</a> or the <a href="https://huggingface.co/papers/trending">trending papers</a>.</p></td></tr>
{''.join(rows)}
<tr><td style="font-size:12px;color:#999;padding-top:24px">You receive this email because you subscribed to Daily Papers on huggingface.co.
<a href="https://huggingface.co/settings/notifications">Manage notifications</a> &middot; <a href="https://huggingface.co/settings/notifications?unsubscribe=daily_papers">Unsubscribe</a></td></tr>
</table></body></html>
"""

def hf_text(papers, day):
    out = [f"Hugging Face Daily Papers — {day}", "", "The papers the community upvoted most today.", "https://huggingface.co/papers/date/2024-11-07", ""]
    for n, p in enumerate(papers, 1):
        out.append(f"{n}. {p['title']}")
        out.append(f"   {hf_link(p['id'], utm=False)}")
        out.append(f"   ▲ {p['upvotes']} · Authors: {', '.join(p['authors'])}")
        out.extend(textwrap.wrap(p["summary"], 72, initial_indent="   ", subsequent_indent="   "))
        out.append("")
    out += ["--", "Manage notifications: https://huggingface.co/settings/notifications"]
    return "\n".join(out) + "\n"

def headers(msg, *, frm, to="reader@example.com", subject, date, mid, extra=()):
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = mid
    for k, v in extra:
        msg[k] = v

D = datetime(2024, 11, 7, 13, 2, tzinfo=timezone.utc)

def hf_digest(papers, day, *, subject="Daily Papers: 10 papers trending today 🤗", mid="<daily-papers-20241107@huggingface.co>", cte="quoted-printable", text=True, html_part=True, track=None, pol=policy.SMTP):
    m = EmailMessage(policy=pol)
    headers(m, frm="Hugging Face <notifications@huggingface.co>", subject=subject, date=D, mid=mid,
            extra=[("List-Unsubscribe", "<https://huggingface.co/settings/notifications>")])
    if text:
        m.set_content(hf_text(papers, day), cte=cte)
        if html_part:
            m.add_alternative(hf_html(papers, day, track=track), subtype="html", cte=cte)
    else:
        m.set_content(hf_html(papers, day, track=track), subtype="html", cte=cte)
    return m

def write(path, msg_or_bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = msg_or_bytes if isinstance(msg_or_bytes, bytes) else msg_or_bytes.as_bytes()
    path.write_bytes(data)
    print(path, len(data))

# ---------- demo inbox -----------
day = "Thursday, Nov 7"
write(INBOX / "01-hf-daily-papers-2024-11-07.eml", hf_digest(HF_PAPERS, day))
shutil.copy(SAMPLES / "arxiv-cs-daily-2024-11-07.eml", INBOX / "02-arxiv-cs-daily-2024-11-07.eml")
shutil.copy(SAMPLES / "google-scholar-alert-1.eml", INBOX / "03-google-scholar-alert.eml")

def generic_newsletter(*, track=lambda u: u, mid="<week45.2024@paperpulse.example>", cte="quoted-printable"):
    items = [
        ("https://arxiv.org/abs/2401.04088?utm_source=paperpulse&utm_medium=email", "Mixtral of Experts",
         "Mistral's sparse mixture of experts: 8 experts per layer, 47B total parameters but only 13B active per token. Still the reference point for open MoE models.", "https://arxiv.org/pdf/2401.04088"),
        ("https://openreview.net/forum?id=nZeVKeeFYf&utm_campaign=week45", "Scaling Data-Constrained Language Models",
         "What to do when you run out of unique tokens: repeating data for up to 4 epochs is almost as good as new data, in runs with models up to 9 billion parameters.", None),
        ("https://doi.org/10.1038/s41586-023-06291-2", "Large Language Models Encode Clinical Knowledge",
         "Med-PaLM and the MultiMedQA benchmark: Flan-PaLM (540B) reaches 67.6% on MedQA, and instruction prompt tuning closes part of the gap to clinicians.", None),
        ("https://www.alphaxiv.org/abs/2404.14219", "Phi-3 Technical Report: A Highly Capable Language Model Locally on Your Phone",
         "phi-3-mini, a 3.8 billion parameter model trained on 3.3 trillion tokens, rivals Mixtral 8x7B and GPT-3.5 while running on a phone.", "https://arxiv.org/pdf/2404.14219v4"),
    ]
    blocks = []
    hero = items[3]
    blocks.append(f"""<div class="hero"><p style="text-transform:uppercase;font-size:11px">Paper of the week</p>
<h1><a href="{html.escape(track(hero[0]))}">{html.escape(hero[1])}</a></h1><p>{html.escape(hero[2])}</p></div>""")
    blocks.append("""<div class="sponsor" style="background:#f5f5f5"><p><b>Sponsored</b> &mdash; GPU hours for researchers: <a href="https://gpus.example.com/?utm_source=paperpulse">claim $500 in credits</a>.</p></div>""")
    for url, title, blurb, pdf in items:
        pdf_html = f' &middot; <a href="{html.escape(track(pdf))}">[pdf]</a>' if pdf else ""
        blocks.append(f"""<div class="item"><h3><a href="{html.escape(track(url))}">{html.escape(title)}</a>{pdf_html}</h3>
<p>{html.escape(blurb)}</p></div>""")
    body = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>
<h2>Paper Pulse &ndash; Week 45</h2><p>Hi there &amp; welcome back! Four papers we couldn&#8217;t stop talking about this week.</p>
{''.join(blocks)}
<p style="font-size:11px">You are receiving this because you signed up at paperpulse.example. <a href="{html.escape(track('https://paperpulse.example/unsubscribe?u=123'))}">Unsubscribe</a></p>
</body></html>
"""
    text_lines = ["Paper Pulse - Week 45", "", "Hi there & welcome back! Four papers we couldn't stop talking about this week.", ""]
    text_lines += ["PAPER OF THE WEEK", hero[1], hero[0], *textwrap.wrap(hero[2], 70), ""]
    for url, title, blurb, pdf in items:
        text_lines += [f"* {title}", f"  {url}", *textwrap.wrap(blurb, 70, initial_indent="  ", subsequent_indent="  "), ""]
    m = EmailMessage()
    headers(m, frm="Paper Pulse <news@paperpulse.example>", subject="Paper Pulse – Week 45: MoE, data limits and phones", date=D + timedelta(hours=3), mid=mid)
    m.set_content("\n".join(text_lines) + "\n", cte=cte)
    m.add_alternative(body, subtype="html", cte=cte)
    return m

write(INBOX / "04-paper-pulse-newsletter.eml", generic_newsletter())

def gmail_forward(inner_papers, *, note_paper=True):
    inner_day = "Friday, Nov 8"
    inner_text = hf_text(inner_papers, inner_day)
    inner_html = hf_html(inner_papers, inner_day)
    fwd_hdr = ["---------- Forwarded message ---------", "From: Hugging Face <notifications@huggingface.co>",
               "Date: Fri, Nov 8, 2024 at 2:02 PM", "Subject: Daily Papers: 4 papers trending today 🤗", "To: <alice@example.com>", ""]
    note = "Bob, have a look at the distillation ones. Also this one I read yesterday: https://arxiv.org/abs/2310.06825\n\n" if note_paper else "FYI\n\n"
    text = note + "\n".join(fwd_hdr) + "\n" + inner_text
    html_body = f"""<div dir="ltr">Bob, have a look at the distillation ones. Also this one I read yesterday: <a href="https://arxiv.org/abs/2310.06825">Mistral 7B</a><br><br>
<div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>From: <strong class="gmail_sendername" dir="auto">Hugging Face</strong> <span dir="auto">&lt;<a href="mailto:notifications@huggingface.co">notifications@huggingface.co</a>&gt;</span><br>Date: Fri, Nov 8, 2024 at 2:02 PM<br>Subject: Daily Papers: 4 papers trending today 🤗<br>To: &lt;<a href="mailto:alice@example.com">alice@example.com</a>&gt;<br></div><br><br>
{inner_html.split('<body', 1)[1].split('>', 1)[1].rsplit('</body>', 1)[0]}
</div></div>
"""
    m = EmailMessage()
    headers(m, frm="Alice Martin <alice@example.com>", to="Bob <bob@example.com>", subject="Fwd: Daily Papers: 4 papers trending today 🤗",
            date=datetime(2024, 11, 8, 15, 30, tzinfo=timezone.utc), mid="<CAFwd0001@mail.gmail.com>")
    m.set_content(text, cte="quoted-printable")
    m.add_alternative(html_body, subtype="html", cte="quoted-printable")
    return m

write(INBOX / "05-fwd-hf-daily-papers-2024-11-08.eml", gmail_forward(FWD_PAPERS))

# ================= tests/data =================
from urllib.parse import quote
import base64

HF = DATA / "hf_daily"
write(HF / "digest-html-text.eml", hf_digest(HF_PAPERS, day))
write(HF / "text-only-base64.eml", hf_digest(HF_PAPERS[:5], day, subject="=?utf-8?b?RGFpbHkgUGFwZXJzOiA1IHBhcGVycyB0cmVuZGluZyB0b2RheSDwn6SX?=", cte="base64", html_part=False, mid="<daily-papers-b64@huggingface.co>"))

def safelinks(u):
    return "https://eur01.safelinks.protection.outlook.com/?url=" + quote(u, safe="") + "&data=05%7C02%7Creader%40example.com%7C8f2a&sdata=abc%3D&reserved=0"
def proofpoint_v2(u):
    enc = quote(u, safe="").replace("%", "-").replace("/", "_")
    # real v2 writes '_' for '/', '-XX' for percent-escapes
    enc = u.replace("-", "-2D").replace("_", "-5F").replace(":", "-3A").replace("/", "_").replace("?", "-3F").replace("=", "-3D").replace("&", "-26")
    return f"https://urldefense.proofpoint.com/v2/url?u={enc}&d=DwMFaQ&c=euGZstcaTDllvimEN8b7jXrwqOf-v5A_CdpgnVfiiMM&r=x&m=y&s=z&e="
_n = [0]
def mixed_wrappers(u):
    _n[0] += 1
    return safelinks(u) if _n[0] % 2 else proofpoint_v2(u)
write(HF / "html-only-safelinks.eml", hf_digest(HF_PAPERS[5:9], day, subject="=?utf-8?q?Daily_Papers=3A_4_papers_trending_today_=F0=9F=A4=97?=", text=False, track=mixed_wrappers, mid="<daily-papers-safelinks@huggingface.co>"))
write(HF / "forwarded-gmail.eml", gmail_forward(FWD_PAPERS))

def rfc822_forward():
    inner = hf_digest(FWD_PAPERS[:3], "Friday, Nov 8", subject="Daily Papers: 3 papers trending today", mid="<daily-papers-20241108@huggingface.co>", pol=policy.default)
    m = EmailMessage()
    headers(m, frm="Carol <carol@example.org>", to="team@example.org", subject="Fwd: Daily Papers (as attachment)", date=datetime(2024, 11, 8, 18, 0, tzinfo=timezone.utc), mid="<fwd-rfc822-1@example.org>")
    m.set_content("Forwarding today's digest as an attachment; see https://arxiv.org/abs/2310.06825 too.\n")
    m.add_attachment(inner)
    return m
write(HF / "forwarded-rfc822.eml", rfc822_forward())

def template_changed():
    m = EmailMessage()
    headers(m, frm="Hugging Face <notifications@huggingface.co>", subject="Daily Papers: 10 papers trending today", date=D, mid="<daily-papers-newtemplate@huggingface.co>")
    body = "<html><body><h1>Daily Papers</h1>" + "".join(
        f'<p><a href="https://email.hf.co/c/eJyNkM1u{n}xQ">{html.escape(p["title"])}</a></p>' for n, p in enumerate(HF_PAPERS[:3])) + "</body></html>"
    m.set_content(body, subtype="html")
    return m
write(HF / "template-changed.eml", template_changed())

AX = DATA / "arxiv_listing"
AX.mkdir(parents=True, exist_ok=True); shutil.copy(SAMPLES / "arxiv-cs-daily-2024-11-07.eml", AX / "cs-daily-2024-11-07.eml")
ARXIV_SHORT = r"""------------------------------------------------------------------------------
------------------------------------------------------------------------------
Send any comments regarding submissions directly to submitter.
------------------------------------------------------------------------------
Archives at http://arxiv.org/
To unsubscribe, e-mail To: cs@arXiv.org, Subject: cancel
------------------------------------------------------------------------------
 Submissions to:
Computation and Language
Machine Learning
 received from  Wed  6 Nov 24 19:00:00 GMT  to  Thu  7 Nov 24 19:00:00 GMT
------------------------------------------------------------------------------
------------------------------------------------------------------------------
\\
arXiv:2411.04001
Date: Wed, 6 Nov 2024 10:00:00 GMT   (812kb,D)

Title: $k$-Shot Distillation of a 70B Teacher into a 1.3B Student for
  On-Device Assistants
Authors: Ji\v{r}\'i Nov\'ak, Bj\"orn M{\aa}nsson, Sa\v{s}a Petrovi\'c, Fran\c{c}ois
  L\'eger and Jos\'e Mar\'ia Garc\'ia
Categories: cs.CL cs.LG
Comments: 12 pages, 4 figures
\\
  We distill a Llama-2-70B teacher into a 1.3B student that runs on a phone.
Unlike prior work (arXiv:2307.09288), the student sees only synthetic
\in-domain prompts; the loss is $\mathcal{L} = \sum_i \ell_i$.
\\
Distillation keeps 92% of the teacher's accuracy at 3% of its cost.
\\ ( https://arxiv.org/abs/2411.04001 ,  812kb)
------------------------------------------------------------------------------
\\
arXiv:2411.04002
Date: Wed, 6 Nov 2024 11:30:00 GMT   (2048kb)

Title: A Census of Open Language Models
Authors: Alice Zhang, Bob Li, Carol Wang, Dan Chen, Eve Liu, Frank Zhou, Grace
  Sun, Heidi Wu, et al. (84 additional authors not
  shown)
Categories: cs.CL
Journal-ref: Proceedings of Something 2025
DOI: 10.1000/xyz123
\\
  We catalogue 1,024 open models released in 2024, from 135M to 405B
parameters, trained on up to 15T tokens.
\\ ( https://arxiv.org/abs/2411.04002 ,  2048kb)
------------------------------------------------------------------------------
%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-
------------------------------------------------------------------------------
\\
arXiv:2411.03999 (*cross-listing*)
Date: Tue, 5 Nov 2024 09:00:00 GMT   (100kb)

Title: Quantized Adapters for Speech Recognition
Authors: Kim Lee and Park Choi
Categories: eess.AS cs.CL
\\
  QLoRA-style 4-bit adapters for a 600M speech model.
\\ ( https://arxiv.org/abs/2411.03999 ,  100kb)
------------------------------------------------------------------------------
%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%
------------------------------------------------------------------------------
\\
arXiv:hep-th/9901001
replaced with revised version Wed, 6 Nov 2024 07:23:52 GMT   (33kb)

Title: An Old Paper on Strings
Authors: A. Physicist
Categories: hep-th cs.LG
\\ ( https://arxiv.org/abs/hep-th/9901001 ,  33kb)
------------------------------------------------------------------------------
\\
arXiv:2310.06629v3
replaced with revised version Wed, 6 Nov 2024 13:29:57 GMT   (967kb,D)

Title: EViT: An Eagle Vision Transformer with Bi-Fovea Self-Attention
Authors: Yulong Shi, Mingwei Sun, Yongshuai Wang
Categories: cs.CV
\\ ( https://arxiv.org/abs/2310.06629 ,  967kb)
%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---
"""
def arxiv_short():
    hdr = ("Date: Thu, 7 Nov 2024 00:45:57 -0500\r\nMessage-Id: <202411070545.short@lib-arxiv-039.serverfarm.cornell.edu>\r\n"
           "From: send mail ONLY to cs <no-reply@arXiv.org>\r\nReply-To: cs@arXiv.org\r\nTo: cs daily title/abstract distribution <rabble@arXiv.org>\r\n"
           "List-ID: <cs.daily.arXiv.org>\r\nPrecedence: bulk\r\nSubject: cs daily Subj-class mailing 20000081 1\r\n\r\n")
    return (hdr + ARXIV_SHORT.replace("\n", "\r\n")).encode("ascii")
write(AX / "short-crlf-tex.eml", arxiv_short())

SC = DATA / "scholar"
SC.mkdir(parents=True, exist_ok=True); shutil.copy(SAMPLES / "google-scholar-alert-1.eml", SC / "alert-related-research.eml")
shutil.copy(SAMPLES / "google-scholar-alert-2.eml", SC / "alert-citations.eml")
def scholar_keyword():
    items = [
        ("https://scholar.google.co.uk/scholar_url?url=https%3A%2F%2Farxiv.org%2Fabs%2F2402.14905&hl=en&sa=X&d=1&ei=x&scisig=y&oi=scholaralrt",
         "MobileLLM: Optimizing Sub-billion Parameter <b>Language Models</b> for On-Device Use Cases", True,
         "Z Liu, C Zhao, F Iandola, C Lai, Y Tian…&nbsp;- arXiv preprint arXiv:2402.14905, 2024",
         "This paper addresses the growing need for efficient <b>large language models</b> (LLMs) on mobile devices, <br>driven by increasing cloud costs and latency concerns. We focus on designing top-quality <br>LLMs with fewer than a billion parameters&nbsp;…"),
        ("https://scholar.google.com/scholar_url?q=https://openreview.net/forum%3Fid%3DabcXYZ&hl=en&sa=X&scisig=z",
         "“Small” <b>language models</b> can teach: distillation at 1.5B scale", False,
         "M Müller, É Dubois&nbsp;- The Twelfth International Conference on Learning…, 2024",
         "We show that a 1.5B <b>language model</b> distilled from a 7B teacher&nbsp;…"),
    ]
    parts = []
    for href, title, pdf, byline, snippet in items:
        pdf_span = '<span style="font-size:11px;font-weight:bold;color:#1a0dab">[PDF]</span> ' if pdf else ""
        parts.append(f'<h3 style="font-weight:normal">{pdf_span}<a href="{html.escape(href)}" class="gse_alrt_title" style="font-size:17px">{title}</a></h3>'
                     f'<div style="color:#006621">{byline}</div><div class="gse_alrt_sni">{snippet}</div><br>')
    body = ('<!doctype html><html><head><meta charset="iso-8859-1"></head><body><div style="font-family:arial">' + "".join(parts) +
            '<p>This alert is sent by Google Scholar. <a href="https://scholar.google.com/scholar_alerts?view_op=list_alerts&amp;hl=en">Cancel alert</a></p></div></body></html>')
    m = EmailMessage()
    headers(m, frm="Google Scholar Alerts <scholaralerts-noreply@google.com>", subject="[small language models] - nouveaux résultats", date=D, mid="<keyword-alert-1@google.com>")
    m.set_content(body, subtype="html", cte="quoted-printable")
    return m
write(SC / "keyword-alert-qp.eml", scholar_keyword())

GE = DATA / "generic"
def tracker(u):
    return "https://click.paperpulse.example/CL0/" + quote(u, safe="") + "/1/0100019301a2b3c4-d5e6f7a8-0000-0000-0000-000000000000-000000/abcDEF=389"
write(GE / "tracking-links.eml", generic_newsletter(track=tracker, mid="<week45-tracked@paperpulse.example>"))
def pv3(u):
    # Proofpoint v3: characters replaced by '*' and carried base64-encoded after '__;'
    import re as _re
    swapped = []
    def rep(m):
        swapped.append(m.group(0)); return "*"
    body = _re.sub(r"[?=&]", rep, u)
    enc = base64.urlsafe_b64encode("".join(swapped).encode()).decode().rstrip("=")
    return f"https://urldefense.com/v3/__{body}__;{enc}!!ACWV5N9M2RV99hQ!abc$"

def windows_1252():
    body = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>"
            "<h2>Le bulletin du labo \u2013 novembre</h2>"
            f"<p><a href=\"{html.escape(pv3('https://arxiv.org/abs/2404.14219?utm_source=labo&utm_medium=email'))}\">Phi-3 Technical Report: A Highly Capable Language Model Locally on Your Phone</a></p>"
            "<p>R\u00e9sum\u00e9\u00a0: un mod\u00e8le de 3,8 milliards de param\u00e8tres \u2014 \u201cphi-3-mini\u201d \u2014 qui tourne sur un t\u00e9l\u00e9phone.</p>"
            "<p><a href=\"https://www.semanticscholar.org/paper/Caf%C3%A9-Models/0123456789abcdef0123456789abcdef01234567\">Caf\u00e9 Models: na\u00efve \u201cBaselines\u201d for Fran\u00e7ais</a></p>"
            "<p>Une \u00e9tude qui compare des mod\u00e8les na\u00effs \u00e0 des r\u00e9seaux de 7B param\u00e8tres sur des corpus fran\u00e7ais.</p>"
            "</body></html>")
    raw = ("From: =?windows-1252?q?Labo_d=92IA?= <bulletin@labo.example.fr>\r\nTo: reader@example.com\r\n"
           "Subject: =?windows-1252?q?Bulletin_=96_novembre?=\r\nDate: Thu, 07 Nov 2024 09:00:00 +0100\r\nMessage-ID: <bulletin-2024-11@labo.example.fr>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/html; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").encode("ascii") + body.encode("cp1252")
    return raw
write(GE / "windows-1252.eml", windows_1252())

def outlook_forward():
    text = ("Sharing this week's list, the MoE one is relevant for us.\n\n"
            "________________________________\n"
            "From: Paper Pulse <news@paperpulse.example>\n"
            "Sent: Thursday, November 7, 2024 4:02 PM\n"
            "To: Dana Smith <dana@corp.example>\n"
            "Subject: Paper Pulse - Week 45: MoE, data limits and phones\n\n"
            "Paper Pulse - Week 45\n\n"
            "* Mixtral of Experts\n  https://arxiv.org/abs/2401.04088?utm_source=paperpulse\n"
            "  Sparse mixture of experts with 47B total parameters but only 13B\n  active per token.\n\n"
            "* Scaling Data-Constrained Language Models\n  <https://openreview.net/forum?id=nZeVKeeFYf>\n"
            "  Repeating data for up to 4 epochs is almost as good as new data, in\n  runs with models up to 9 billion parameters.\n")
    m = EmailMessage()
    headers(m, frm="Dana Smith <dana@corp.example>", to="ml-team@corp.example", subject="FW: Paper Pulse - Week 45: MoE, data limits and phones", date=datetime(2024, 11, 7, 17, 0, tzinfo=timezone.utc), mid="<DB9PR01MB0001@eurprd01.prod.outlook.com>")
    m.set_content(text)
    return m
write(GE / "outlook-forward.eml", outlook_forward())

def entities_hero():
    body = """<html><body>
<table><tr><td class="hero"><a href="https://arxiv.org/abs/2305.14314v2"><img src="https://example.com/qlora.png" alt="QLoRA: Efficient Finetuning of Quantized LLMs"></a>
<h1><a href="https://arxiv.org/abs/2305.14314v2">QLoRA: Efficient Finetuning of Quantized&nbsp;LLMs</a></h1>
<p>Finetune a 65B model on a single 48GB GPU &mdash; 4-bit NormalFloat &amp; double quantization.</p></td></tr>
<tr><td><h3><a href="https://arxiv.org/abs/2106.09685">LoRA: Low-Rank Adaptation of Large Language Models</a></h3>
<p>The paper that started it all: freeze the weights, train rank&#8209;decomposition matrices; GPT&#8209;3 175B needs 10,000&times; fewer trainable parameters.</p></td></tr>
<tr><td><h3>Also trending: <a href="https://arxiv.org/abs/2305.14314">QLoRA: Efficient Finetuning of Quantized LLMs</a></h3>
<p>Guanaco reaches 99.3% of ChatGPT&#8217;s level on the Vicuna benchmark.</p></td></tr>
<tr><td><h3><a href="https://arxiv.org/pdf/2402.14905.pdf">[PDF]</a> MobileLLM: Optimizing Sub&#x2011;billion Parameter Language Models for On&#8209;Device Use Cases</h3>
<p>125M and 350M models with deep&#8209;and&#8209;thin architectures &lt;b&gt;beat&lt;/b&gt; wider ones.</p></td></tr>
</table></body></html>"""
    m = EmailMessage()
    headers(m, frm="\"The Batch & Co.\" <digest@news.example>", subject="This week: LoRA & friends", date=D, mid="<entities-hero@news.example>")
    m.set_content(body, subtype="html", cte="quoted-printable")
    return m
write(GE / "entities-hero.eml", entities_hero())

MA = DATA / "malformed"
full = hf_digest(HF_PAPERS[:4], day, mid="<truncated-1@huggingface.co>").as_bytes()
write(MA / "truncated-multipart.eml", full[: int(len(full) * 0.55)])
write(MA / "not-an-email.eml", bytes(range(256)) * 3 + b"\x00\xff--boundary\r\n\r\nContent-Type: multipart/mixed; boundary=\r\n")
def deep_nesting():
    head = "From: x@example.com\r\nMessage-ID: <deep-1@example.com>\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
    parts = []
    depth = 1500
    for i in range(depth):
        parts.append(f"Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n")
    inner = "Content-Type: text/plain\r\n\r\nhttps://arxiv.org/abs/2401.04088\r\n"
    tail = "".join(f"\r\n--b{i}--\r\n" for i in reversed(range(depth)))
    return (head + "".join(parts) + inner + tail).encode()
write(MA / "deeply-nested.eml", deep_nesting())

TP = DATA / "text_page"
TP.mkdir(parents=True, exist_ok=True)
page = (SAMPLES / "hf-daily-papers-page.txt").read_text()
paras = page.split("\n\n")
(TP / "hf-page-excerpt.txt").write_text("\n\n".join(paras[:7 + 2 * 12]) + "\n")
