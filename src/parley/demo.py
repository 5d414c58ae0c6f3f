"""``parley demo``: a small, believable community in English and Dutch.

People are made with the same domain functions the API uses, so the demo obeys every rule.
The head of state's many followers are real rows, inserted in bulk.
"""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from parley import ids
from parley.accounts.service import create_account
from parley.graph.service import follow
from parley.media.service import upload
from parley.posts.render import Renderer
from parley.posts.service import PostInput, create_post, favourite, reblog
from parley.safety.appeals import appeal
from parley.safety.catalog import catalog_loaded, get_rule, load_catalog, shipped_catalog
from parley.safety.decisions import DecisionInput, account_facts, decide_case
from parley.safety.policy import propose
from parley.safety.public_office import designate
from parley.safety.reports import ReportInput, create_report
from parley.settings import Settings
from parley.store.db import Database
from parley.store.tables import Account, Follow, Post, utcnow

DEMO_PASSWORD = "parley-demo"

PEOPLE = [
    # username, display name, bio, role, verified, locale
    ("POTUS", "President of the United States", "Head of state. Official account.", "user", True, "en"),
    ("WhiteHouse", "The White House", "Official account of the White House.", "user", True, "en"),
    ("Twitter", "Twitter", "What's happening?! The platform's own account.", "user", True, "en"),
    ("Jack", "jack", "Chief executive of the platform.", "user", True, "en"),
    ("MetroDaily", "Metro Daily Newsroom", "News from the city, every day. Tips: tips@metrodaily.example", "user", True, "en"),
    ("Nieuwsdienst", "De Nieuwsdienst", "Onafhankelijk nieuws uit stad en land.", "user", True, "nl"),
    ("ParleyTeam", "Parley", "The team that runs this public square. Rules, reports and transparency.", "admin", True, "en"),
    ("mod_sam", "Sam (moderator)", "Moderator on this server.", "moderator", False, "en"),
    ("anna_devries", "Anna de Vries", "Leraar, fietser, koffie.", "user", False, "nl"),
    ("bram", "Bram", "Gemeenteraad-watcher uit Utrecht.", "user", False, "nl"),
    ("chloe_k", "Chloé K.", "Nurse. Night shifts and good books.", "user", False, "en"),
    ("daan_j", "Daan Jansen", "Software, trains, and #OpenData.", "user", False, "nl"),
    ("emma_r", "Emma Ruiz", "Local journalist in training.", "user", False, "en"),
    ("farid", "Farid", "Small business owner. Opinions my own.", "user", False, "en"),
]

FOLLOWS = {
    "anna_devries": ["POTUS", "Nieuwsdienst", "bram", "daan_j", "ParleyTeam"],
    "bram": ["Nieuwsdienst", "anna_devries", "daan_j", "POTUS"],
    "chloe_k": ["MetroDaily", "POTUS", "emma_r", "farid", "WhiteHouse"],
    "daan_j": ["anna_devries", "bram", "Twitter", "Jack", "ParleyTeam"],
    "emma_r": ["MetroDaily", "POTUS", "WhiteHouse", "chloe_k", "Nieuwsdienst"],
    "farid": ["POTUS", "MetroDaily", "chloe_k"],
    "Jack": ["Twitter", "POTUS", "WhiteHouse"],
    "Twitter": ["Jack"],
    "WhiteHouse": ["POTUS"],
    "MetroDaily": ["POTUS", "WhiteHouse", "emma_r"],
    "Nieuwsdienst": ["POTUS", "bram"],
    "mod_sam": ["ParleyTeam"],
}

# (key, author, text, reply-to key, hours ago)
POSTS = [
    ("welcome", "ParleyTeam", "Welcome to Parley, a public square with accountable moderation. Every decision we take cites a rule and lands in a public log anyone can verify. #Parley", None, 72),
    ("welkom", "ParleyTeam", "Welkom op Parley! Elke moderatiebeslissing noemt een regel, geeft redenen en staat in een openbaar logboek. #Parley", None, 71),
    ("meeting", "POTUS", "Great meeting this afternoon at the @WhiteHouse with @Jack from @Twitter. Lots of subjects discussed regarding their platform, and the world of social media in general. Look forward to keeping an open dialogue!", None, 48),
    ("r1", "Jack", "Thanks for the conversation, @POTUS. We talked about the health of the public conversation and what we can do better.", "meeting", 47),
    ("r2", "chloe_k", "@POTUS Did you talk about harassment of health workers online? Asking for all of us on night shift.", "meeting", 46),
    ("r3", "emma_r", "@POTUS @Jack Will there be a readout of the meeting? Reporters would like to see what was agreed. #transparency", "meeting", 45),
    ("r4", "farid", "@chloe_k Same question for small businesses hit by fake reviews.", "r2", 44),
    ("metro1", "MetroDaily", "City council approves new bike lanes on Main Street; construction starts in spring. Full story: https://metrodaily.example/news/bike-lanes #CityCouncil", None, 30),
    ("nd1", "Nieuwsdienst", "Gemeenteraad stemt in met nieuwe fietspaden. Lees meer op https://nieuwsdienst.example/fietspaden #gemeenteraad", None, 29),
    ("anna1", "anna_devries", "Eindelijk! @bram jij zat toch bij die raadsvergadering? #gemeenteraad", None, 28),
    ("bram1", "bram", "@anna_devries Ja, het was een lange avond, maar het debat was goed. Zie ook @Nieuwsdienst.", "anna1", 27),
    ("daan1", "daan_j", "Alle stemuitslagen van de gemeenteraad als open data zou mooi zijn. #OpenData #gemeenteraad", None, 26),
    ("wh1", "WhiteHouse", "Today the President signed an executive order on online safety for children. Read it at https://whitehouse.example/briefing", None, 20),
    ("chloe1", "chloe_k", "Twelve-hour shift done. Bookmarking posts to read tomorrow is my new favourite thing.", None, 10),
    ("emma1", "emma_r", "First story published with @MetroDaily today! Thank you all for reading. #journalism", None, 5),
]


# Posts that carry a picture (drawn here, so the demo needs no files): key -> alt text.
IMAGES = {
    "metro1": "Drawing of Main Street from above: two grey car lanes with a green bike lane along each side.",
    "nd1": "Tekening van een straat van bovenaf: twee grijze rijstroken met aan elke kant een groen fietspad.",
}


def street_drawing(width: int = 960, height: int = 540) -> bytes:
    """A street with bike lanes, seen from above, as a PNG."""
    image = Image.new("RGB", (width, height), (214, 226, 205))
    draw = ImageDraw.Draw(image)
    top, bottom = height // 5, height * 4 // 5
    draw.rectangle((0, top, width, bottom), fill=(92, 98, 104))
    lane = (bottom - top) // 6
    draw.rectangle((0, top, width, top + lane), fill=(46, 140, 87))
    draw.rectangle((0, bottom - lane, width, bottom), fill=(46, 140, 87))
    middle = (top + bottom) // 2
    for x in range(0, width, 80):
        draw.rectangle((x, middle - 4, x + 44, middle + 4), fill=(245, 245, 240))
    for x in range(40, width, 240):
        for y in (top + lane // 2, bottom - lane // 2):
            draw.ellipse((x - 14, y - 14, x + 14, y + 14), outline=(245, 245, 240), width=4)
            draw.ellipse((x + 26, y - 14, x + 54, y + 14), outline=(245, 245, 240), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def is_empty(db: Database) -> bool:
    with db.unit(write=False) as uow:
        return not uow.session.scalar(select(func.count()).select_from(Account))


def seed(db: Database, settings: Settings, *, only_if_empty: bool = True, followers: int = 120_000) -> bool:
    """Create the demo community; returns False when ``only_if_empty`` and data exists."""
    if only_if_empty and not is_empty(db):
        return False
    renderer = Renderer(settings.base_url)
    now = utcnow()
    with db.unit() as uow:
        s = uow.session
        # An operator's own catalog stays; a fresh database gets the shipped one.
        if not catalog_loaded(s):
            load_catalog(s, shipped_catalog())
        accounts: dict[str, Account] = {}
        for i, (name, display, bio, role, verified, locale) in enumerate(PEOPLE):
            accounts[name] = create_account(
                s,
                name,
                email=f"{name.lower()}@demo.parley.example",
                password=DEMO_PASSWORD,
                display_name=display,
                note=bio,
                role=role,
                verified=verified,
                locale=locale,
                created_at=now - timedelta(days=400 - i),
            )
        for follower, targets in FOLLOWS.items():
            for target in targets:
                follow(s, accounts[follower], accounts[target])
        posts: dict[str, Post] = {}
        for key, author, text, reply_to, hours in POSTS:
            pictures = []
            if key in IMAGES:
                pictures.append(upload(s, settings, accounts[author], street_drawing(), description=IMAGES[key]).id)
            post = create_post(
                s,
                accounts[author],
                PostInput(
                    text=text,
                    in_reply_to_id=posts[reply_to].id if reply_to else None,
                    language=accounts[author].locale,
                    created_at=now - timedelta(hours=hours),
                    media_ids=pictures,
                ),
                renderer,
            )
            posts[key] = post
        for who in ("anna_devries", "chloe_k", "emma_r", "Jack", "WhiteHouse"):
            favourite(s, accounts[who], posts["meeting"].id)
        reblog(s, accounts["WhiteHouse"], posts["meeting"].id)
        reblog(s, accounts["daan_j"], posts["nd1"].id)
        favourite(s, accounts["bram"], posts["daan1"].id)
        create_post(
            s,
            accounts["emma_r"],
            PostInput(text="Worth reading for anyone who cares about the public conversation.", quoted_status_id=posts["meeting"].id),
            renderer,
        )
        bulk_followers(s, accounts["POTUS"].id, followers)
        s.flush()
        s.expire_all()  # the bulk insert changed follower counts behind the ORM's back
        seed_moderation(s, settings, accounts, renderer)
    return True


def seed_moderation(session: Session, settings: Settings, accounts: dict[str, Account], renderer: Renderer) -> None:
    """A few realistic cases: the head of state behind the public-interest notice (appealed),
    spam removed, a misleading civic claim labelled, and a harassment report still open."""
    a = accounts
    designate(session, a["ParleyTeam"], a["POTUS"], role="President of the United States", jurisdiction="United States")

    def post(author: str, text: str) -> Post:
        return create_post(session, a[author], PostInput(text=text, language=a[author].locale), renderer)

    def report(reporter: str, target: Post, rule: str, comment: str) -> int:
        made = create_report(
            session,
            a[reporter],
            ReportInput(account_id=target.account_id, status_ids=(target.id,), rule_ids=(rule,), comment=comment),
        )
        assert made.case_id is not None
        return made.case_id

    looting = post("POTUS", "These THUGS are dishonoring the memory of George Floyd. Any difficulty and we will assume control but, when the looting starts, the shooting starts.")
    case = report("chloe_k", looting, "glorification-of-violence", "This threatens protesters with being shot.")
    # The policy engine proposes the notice when the head of state qualifies (with fewer
    # followers than the threshold, as in small test runs, removal as for anyone).
    proposal = propose(
        get_rule(session, "glorification-of-violence").facts(),
        account_facts(session, a["POTUS"]),
        min_followers=settings.public_interest_min_followers,
    )
    decision = decide_case(
        session,
        settings,
        a["mod_sam"],
        case,
        DecisionInput(
            rule_id="glorification-of-violence",
            actions=proposal.proposed,
            post_id=looting.id,
            facts="The post says that looting will be met with shooting, during protests in which people were hurt.",
            reasons="The last sentence glorifies violence against the people it names, and could inspire it.",
            public_interest_assessment=(
                "The head of state is announcing how the government may respond to the protests: "
                "people need to see and discuss those words. The risk of harm is weighed by keeping "
                "the post out of search, trends and notifications and closed to likes, replies and reposts."
            ),
        ),
    )
    appeal(session, settings, a["POTUS"], decision.id, "This is a statement of policy about public order, not a call to violence.")

    spam = post("farid", "Buy 10,000 real followers for $5!!! Limited offer, DM me now #followers #growth")
    case = report("emma_r", spam, "platform-manipulation-spam", "Selling followers.")
    decide_case(
        session, settings, a["mod_sam"], case,
        DecisionInput(
            rule_id="platform-manipulation-spam", actions=("remove",), post_id=spam.id,
            facts="The post offers followers for money.", reasons="Selling followers manipulates the platform.",
        ),
    )

    claim = post("WhiteHouse", "Reminder: this year you can also vote by text message. Just reply VOTE to our number!")
    case = report("daan_j", claim, "civic-integrity", "You cannot vote by text message.")
    decide_case(
        session, settings, a["ParleyTeam"], case,
        DecisionInput(
            rule_id="civic-integrity", actions=("label",), post_id=claim.id,
            facts="Votes cannot be cast by text message.", reasons="The post misleads people about how to vote.",
            label_text="Voting by text message is not possible. Learn how to vote.",
            label_url="https://vote.example/how-to-vote",
        ),
    )

    rude = post("bram", "@anna_devries jij snapt er echt helemaal niets van, stop met posten.")
    report("anna_devries", rude, "abuse-harassment", "Dit is de derde keer deze week.")


def bulk_followers(session: Session, target_id: int, count: int, *, batch: int = 5000) -> None:
    """Insert ``count`` generated accounts that all follow ``target_id`` (real rows)."""
    if count <= 0:
        return
    now = utcnow()
    made = 0
    while made < count:
        n = min(batch, count - made)
        rows = []
        edges = []
        for k in range(made, made + n):
            account_id = ids.new_id()
            name = f"fan_{k:07d}"
            rows.append(
                {
                    "id": account_id, "username": name, "username_lower": name, "display_name": f"Citizen {k + 1}",
                    "note": "", "locked": False, "bot": False, "discoverable": False, "verified": False,
                    "role": "user", "locale": "en", "default_visibility": "public", "default_sensitive": False,
                    "fields_json": "[]", "followers_count": 0, "following_count": 1, "statuses_count": 0,
                    "created_at": now, "updated_at": now,
                }
            )
            edges.append({"id": ids.new_id(), "account_id": account_id, "target_account_id": target_id,
                          "show_reblogs": True, "notify": False, "created_at": now})
        session.execute(insert(Account), rows)
        session.execute(insert(Follow), edges)
        made += n
    session.execute(
        update(Account).where(Account.id == target_id).values(followers_count=Account.followers_count + count)
    )
