"""The Help pages' content: the seeds' FAQs rewritten for what TikJoy does (docs/support.md).

Every question and answer is a translatable string. An answer names a page by its URL name
(``links``), so a moved page never leaves a dead link in the help. Before changing an answer,
check the app's own doc: these pages must never promise what the product doesn't do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaigns.models import MAX_VIDEOS_PER_MERCHANT
from promote.selectors import coin_prices_text
from support.help_search import query_terms, ranked
from wallets.formats import money_text, number_text
from wallets.withdrawals import payout_minimum


@dataclass(frozen=True)
class Entry:
    slug: str
    question: str
    answer: str
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, URL name)
    # Words people search with, in the reader's language (never shown): the answer may say
    # "versement" where the reader types "paiement". Space-separated, in the context "help search words".
    keywords: str = ""
    values: Callable[[], dict[str, str]] | None = None  # the answer's %(name)s values, read when shown

    def urls(self) -> list[tuple[str, str]]:
        return [(label, reverse(name)) for label, name in self.links]

    def answer_text(self) -> str:
        """The answer in the reader's language, with its figures written as that language writes them."""
        return str(self.answer) % self.values() if self.values else str(self.answer)

    def search_text(self) -> str:
        """What the search reads besides the question: the answer, its links and its search words."""
        links = " ".join(str(label) for label, _name in self.links)
        return f"{self.answer_text()} {links} {self.keywords}"


def _coin_price() -> dict[str, str]:
    """What coins cost in the consumer's currency, as the reader's language writes money ("100 Coins = 0,99 €")."""
    return {"price": coin_prices_text(currency="EUR")}


def _payout_minimum() -> dict[str, str]:
    """The smallest payout, from the rule that refuses below it, as the reader's language writes money
    ("10,00 €")."""
    return {"minimum": money_text(payout_minimum())}


def _creators() -> dict[str, str]:
    """Who counts as a creator (social's rule: more than ``TIKTOK_CREATOR_MIN_FOLLOWERS`` followers) and
    the library's size, as the reader's language writes numbers ("5.000", "5 000")."""
    return {
        "followers": number_text(settings.TIKTOK_CREATOR_MIN_FOLLOWERS),
        "videos": number_text(MAX_VIDEOS_PER_MERCHANT),
    }


@dataclass(frozen=True)
class Contact:
    """The page's own lines around the answers, in its readers' tone: people who earn informally (du /
    tu / tú), brands and affiliates formally (Sie / Lei / usted), each told what they can point us to."""

    none_found: str
    title: str
    text: str
    button: str
    requests: str


TO_CONSUMERS = Contact(
    none_found=_("No answer matches these words. Try other words, or ask us."),
    title=_("Didn't find your answer?"),
    text=_(
        "Write to us: we answer on this site and by e-mail. If you are signed in, we see which page you came "
        "from and you can point us to the reward or payout in question."
    ),
    button=_("Contact support"),
    requests=_("Your requests"),
)

_FORMAL = "to a brand or an affiliate"

TO_MERCHANTS = Contact(
    none_found=pgettext_lazy(_FORMAL, "No answer matches these words. Try other words, or ask us."),
    title=pgettext_lazy(_FORMAL, "Didn't find your answer?"),
    text=pgettext_lazy(
        "to a merchant",
        "Write to us: we answer on this site and by e-mail. If you are signed in, we see which page you came "
        "from and you can choose the brand in question.",
    ),
    button=pgettext_lazy(_FORMAL, "Contact support"),
    requests=pgettext_lazy(_FORMAL, "Your requests"),
)

TO_AFFILIATES = Contact(
    none_found=TO_MERCHANTS.none_found,
    title=TO_MERCHANTS.title,
    text=pgettext_lazy(
        "to an affiliate",
        "Write to us: we answer on this site and by e-mail. Say which program and which commission it is "
        "about. If you are signed in, we see which page you came from.",
    ),
    button=TO_MERCHANTS.button,
    requests=TO_MERCHANTS.requests,
)


@dataclass(frozen=True)
class Audience:
    key: str
    url_name: str
    title: str
    intro: str
    entries: tuple[Entry, ...]
    contact: Contact


CONSUMERS = Audience(
    key="consumers",
    url_name="support:help",
    title=_("Help for people who earn JoyBack"),
    intro=_("How you earn, when your money becomes yours, and how it reaches your bank."),
    entries=(
        Entry(
            "what-is-joyback",
            _("What is JoyBack?"),
            _(
                "JoyBack is money a brand pays you for what you do for it on social media: signing in on its "
                "TikJoy page with TikTok or WhatsApp, sharing one of its videos on your TikTok profile, and the "
                "views, likes, comments and shares your post then earns. You don't have to buy anything."
            ),
        ),
        Entry(
            "buy-something",
            _("Do I have to buy something to earn?"),
            _(
                "No. Signing in and sharing earn on their own. Some brands also reward a purchase or a sign-up "
                "in their own shop: their shop tells us about it, and it counts only once you have joined the "
                "brand on TikJoy."
            ),
        ),
        Entry(
            "start",
            _("How do I start earning?"),
            _(
                "Open a brand's page (from a link, the QR code in a shop, or the JoyBack button on its website) "
                "and continue with TikTok or WhatsApp. The page asks once what you agree to share with that "
                "brand. Your first sign-in with a brand earns its sign-in reward, if its campaign pays one, and "
                "you see it in your wallet at once, as pending."
            ),
            ((_("Brands paying now"), "home"),),
        ),
        Entry(
            "share-video",
            _("How does sharing a video earn?"),
            _(
                "The brand's page shows its videos and the hashtag or @mention your post must carry. Post the "
                "video on your own TikTok with that hashtag or mention in the caption, after you joined the "
                "brand. We look at your TikTok videos regularly (about every 15 minutes) and pay the share when "
                "we find it; then the post's views, likes, comments and shares earn more while we watch it, up "
                "to the campaign's limits per post, per day and per campaign."
            ),
        ),
        Entry(
            "own-video",
            _("Can I share my own video instead of the brand's?"),
            _(
                "If you have more than %(followers)s TikTok followers, yes: on the brand's page you can submit "
                "your own video, and the brand approves it, asks for changes or refuses it. Some brands let "
                "everyone submit. Once you have submitted a video to a campaign, only a video the brand approved "
                "earns in it."
            ),
            values=_creators,
        ),
        Entry(
            "pending",
            _("Why is my reward pending, and when does it become available?"),
            _(
                "Every campaign has a hold period (often 14 days); your wallet shows the day each reward's hold "
                "ends. Then we check that your post is still up and public and that your TikTok account is "
                "still connected: if so, the reward becomes available; if not, it is reversed and the money goes "
                'back to the brand. "Being checked now" means the hold has ended and the check runs shortly; '
                "for a shared post it can take up to a day."
            ),
            ((_("Open your wallet"), "rewards:wallet"),),
            keywords=pgettext_lazy(
                "help search words", "waiting wait hold available when blocked receive received"
            ),
        ),
        Entry(
            "reversed",
            _("Why was my reward reversed?"),
            _(
                "Your wallet says why next to the reward. The usual reasons: the post was deleted or made "
                "private before the hold ended, your TikTok account was disconnected, or our review found "
                "unusual activity. A reversed reward's money went back to the brand, so we can't pay it "
                "afterwards."
            ),
            keywords=pgettext_lazy("help search words", "cancelled canceled removed lost taken back"),
        ),
        Entry(
            "under-review",
            _('What does "Under review" mean?'),
            _(
                "We check unusual activity, such as several accounts earning from one phone or far more views "
                "than followers. A reward under review is not in your pending balance yet. Our team approves it "
                "(it becomes pending as usual) or refuses it (the money goes back to the brand), and you see the "
                "outcome in your wallet."
            ),
        ),
        Entry(
            "unfunded",
            _("My wallet says the brand's money ran out. Will I be paid?"),
            _(
                "Brands pay rewards from money they put in advance. When it runs out, or a campaign's budget is "
                "spent, your action waits: it is paid if the brand adds money within 7 days (or before its "
                "campaign ends, if sooner) and it still fits the campaign's limits. Your wallet shows until when."
            ),
        ),
        Entry(
            "payout",
            _("How do I get my money to my bank?"),
            _(
                "From your wallet, choose Pay out to my bank. Add your IBAN (we send you a code to confirm it) "
                "and tell us who you are (legal name, date of birth, address). For your safety, payouts start "
                "48 hours after new bank details. You can ask for any amount from %(minimum)s of your available "
                "balance; our team approves it and sends a SEPA transfer, which usually arrives 3 to 7 business "
                "days after we send it. Payouts are in euro, to bank accounts in the SEPA area."
            ),
            ((_("Pay out to my bank"), "payouts:home"),),
            keywords=pgettext_lazy(
                "help search words",
                "payment pay paid withdraw withdrawal cash out transfer money bank account receive received",
            ),
            values=_payout_minimum,
        ),
        Entry(
            "cost",
            _("Does TikJoy cost anything?"),
            _(
                "No: joining brands and earning is free. Two optional monthly plans are paid from your available "
                "balance or by card: JoyPlus adds a bonus to every reward (paid from TikJoy's own share, so it can be small "
                "or nothing on a small reward), and JoyFast makes rewards available after a day instead of at "
                "the end of the hold (if the brand reverses one later, you owe it back and payouts wait until it "
                "is repaid). You can cancel any time; a plan runs to the end of the month you paid."
            ),
            ((_("See the plans"), "subscriptions:home"),),
            keywords=pgettext_lazy("help search words", "price free fee subscription plan monthly"),
        ),
        Entry(
            "data",
            _("What does a brand learn about me, and can I stop it?"),
            _(
                "Only what you agreed to share with that brand when you joined (for example your name, your "
                "TikTok handle, your phone number or e-mail address); otherwise it sees a code name. You can "
                "stop sharing with a brand at any time from your wallet: your money is not affected. In My "
                "account you can download all your data or delete your account (the page tells you first what "
                "happens to your money)."
            ),
            ((_("My account"), "social:me"),),
            keywords=pgettext_lazy("help search words", "privacy personal data delete account consent share"),
        ),
        Entry(
            "accounts",
            _("Do I need TikTok? Can I use both TikTok and WhatsApp?"),
            _(
                "WhatsApp is enough to sign in and earn sign-in rewards; sharing videos needs a TikTok account. "
                "In My account you can connect the other one, so both lead to the same wallet."
            ),
            ((_("My account"), "social:me"),),
        ),
        Entry(
            "where",
            _("Where can I earn?"),
            _(
                "Wherever a brand runs a campaign: the home page lists the brands paying now. TikJoy is available "
                "in English, Italian, German, French and Spanish; payouts go to bank accounts in the SEPA area."
            ),
            ((_("Brands paying now"), "home"),),
        ),
        Entry(
            "promote",
            _("What are coins and Promote?"),
            _(
                "With Promote you can give one of your TikTok posts more reach. You buy coins (%(price)s), "
                "from your available balance or by card, and choose a goal, an audience, a budget and 1 "
                "to 30 days; our team reviews each order. An order can't be paused; the coins it didn't spend "
                "come back within 15 minutes of its end. You can turn unspent coins back into money, at what you "
                "paid for them, when no order is in review or running. Promote is for people aged 18 or over."
            ),
            ((_("Open Promote"), "promote:home"),),
            keywords=pgettext_lazy("help search words", "coins boost advertise advertising ads reach"),
            values=_coin_price,
        ),
        Entry(
            "coupons",
            _("A brand gave me a coupon: how do I use it?"),
            _(
                "A coupon is worth coins off one Promote order. Your Promote page lists your coupons with their "
                "code and until when they are valid. Enter the code when you promote a post: the coupon pays the "
                "first coins of an order that costs more than it, one coupon per order. A coupon is not money: it "
                "can't be paid out, and the coins of it an order doesn't spend don't come back. It comes back "
                "only if the order is rejected or cancelled before it runs."
            ),
            ((_("Open Promote"), "promote:home"),),
            keywords=pgettext_lazy("help search words", "coupon coupons voucher code gift"),
        ),
        Entry(
            "language-time-zone",
            _("How do I change the language and the time zone?"),
            _(
                "Choose your language at the foot of any page; once you are signed in, it is saved in your "
                "account, so your other devices and our e-mails use it too. In My account you choose your "
                "language and your time zone; with no time zone chosen, times are shown in your device's."
            ),
            ((_("My account"), "social:me"),),
            keywords=pgettext_lazy(
                "help search words", "language languages time zone timezone hour time settings change"
            ),
        ),
    ),
    contact=TO_CONSUMERS,
)

MERCHANTS = Audience(
    key="merchants",
    url_name="support:help_merchants",
    title=_("Help for brands"),
    intro=_("Setting up, funding, campaigns, costs, and what your console shows."),
    entries=(
        Entry(
            "joyback-vs-cashback",
            _("What is JoyBack, and how is it different from cashback?"),
            _(
                "Cashback rewards a purchase after the sale. JoyBack rewards attention before it: people earn "
                "for signing in on your page with TikTok or WhatsApp, sharing your videos on their TikTok "
                "profile, and the views, likes, comments and shares their posts bring. You pay for measured "
                "actions and engagement, within limits you set."
            ),
        ),
        Entry(
            "start",
            _("How do I get started?"),
            _(
                "Sign up with your e-mail address and create your brand: you get your brand page on TikJoy at "
                "once, so you can start even without a website or a shop. Add money to your wallet, create a "
                "campaign and make it live. For a website, add the JoyBack widget with one script tag; for a "
                "shop, print the poster with its QR code from the console. One console covers all your shops, "
                "websites and channels."
            ),
            ((_("Create your brand"), "merchants:create"),),
        ),
        Entry(
            "funding",
            _("How do I add money, and what happens to it?"),
            _(
                "Add funds in the console shows our bank details and your payment reference: pay by bank "
                "transfer, and the money is credited when it arrives (large transfers are checked by a second "
                "person first). It stays in your prepaid wallet until it pays rewards, WhatsApp messages or "
                "Promote coins. The console shows every movement, with a receipt for each transfer."
            ),
        ),
        Entry(
            "pricing",
            _("How are rewards calculated, and what do I pay?"),
            _(
                "You set a fixed amount per action (signing in, sharing a video) and rates per 1,000 views, per "
                "like, per comment and per share, with multipliers for new and returning customers. What you set "
                "is what you pay; the person receives their share of it (80 per cent on the standard plan) and TikJoy "
                "keeps the rest as its fee. The campaign editor shows both as you type."
            ),
        ),
        Entry(
            "invoices",
            _("How are fees billed?"),
            _(
                "TikJoy's fee is part of each reward's price and becomes final only when the reward does: a "
                "reversed reward returns its full price to your wallet. On the 1st of each month you get a "
                "statement of your wallet and an e-invoice (Factur-X) for the fees that became final in the "
                "month. They were already paid from your wallet, with VAT where the invoice charges it (a business "
                "in another EU country accounts for it itself), so the invoice asks for nothing more."
            ),
        ),
        Entry(
            "limits",
            _("Can I limit what a campaign costs?"),
            _(
                "Yes: a budget for the whole campaign, a minimum and maximum per reward, a maximum per person "
                "per day and per campaign, a maximum number of rewards per action and a maximum per post for "
                "engagement. When the budget or your wallet runs out, the campaign pauses itself and your team "
                "gets an e-mail. After you add money, campaigns paused for lack of funds go live again and the "
                "actions of the last 7 days that couldn't be paid are paid, within your limits."
            ),
        ),
        Entry(
            "hold",
            _("When is a reward final?"),
            _(
                "Each campaign has a hold period (14 days by default, up to 365). At its end the reward is "
                "confirmed if the post is still up and the person's TikTok account is still connected; "
                "otherwise it is reversed and its full price comes back to your wallet."
            ),
        ),
        Entry(
            "fraud",
            _("How do you prevent fraud?"),
            _(
                "Every action is scored for risk (several accounts on one device or network, bursts of actions, "
                "new accounts, views out of line with followers, more likes than views). Risky rewards are held "
                "and reviewed by our team before anyone is paid; refused ones go back to you. Banned people earn "
                "nothing more and can't be paid out."
            ),
        ),
        Entry(
            "videos",
            _("Which videos can people share?"),
            _(
                "Up to %(videos)s videos in your library (an upload or a TikTok link), each with its caption, "
                "hashtags and mentions. Creators (more than %(followers)s TikTok followers), or everyone if you "
                "allow it, can submit their own video: you approve it, ask for changes or refuse it, and only "
                "approved videos earn."
            ),
            values=_creators,
        ),
        Entry(
            "likes-comments",
            _("Can I reward likes and comments on my own posts?"),
            _(
                "Yes, with small amounts. TikTok's API doesn't tell us who liked or commented on your posts, so "
                "these rewards are always held for review and can be reversed. Shares are verified on the "
                "person's own profile."
            ),
        ),
        Entry(
            "insights",
            _("What can I follow in the console?"),
            _(
                "A dashboard by day (rewards paid, views, new customers, cost per 1,000 views), a report per "
                "campaign, how each reward was calculated, and the details of the people who agreed to share "
                "them with you (others appear under a code name). Every list can be exported as CSV. With their "
                "agreement you can write to your customers on WhatsApp from the Inbox, each message paid from "
                "your wallet."
            ),
        ),
        Entry(
            "team",
            _("Can my agency or my managers use the console?"),
            _(
                "Yes. Invite them to your team as owner, manager, agency or viewer; each role sees and does what "
                "it needs (only owners manage the team). A person in several teams switches "
                "between brands in the console."
            ),
        ),
        Entry(
            "tiktok-business",
            _("Do I need a TikTok business account?"),
            _(
                "No. People share your videos from their own TikTok accounts. To give one of your library "
                "videos more reach with Promote, it must be posted on your brand's TikTok account."
            ),
        ),
        Entry(
            "api",
            _("Can my shop reward purchases and sign-ups?"),
            _(
                "Yes. Create an API key in the console and have your shop report purchases and sign-ups; they "
                "earn for people who joined your brand, once per order. Signed webhooks tell your systems about "
                "rewards, new customers and your wallet."
            ),
        ),
        Entry(
            "close",
            _("How do I close my brand and get my money back?"),
            _(
                "An owner closes the brand from the console. The page first says what happens: campaigns end, "
                "coins are turned back into money, and the remaining balance is refunded by SEPA transfer to the "
                "bank account you give. It waits while money is still moving (rewards still on hold, for "
                "example) and says what is in the way."
            ),
        ),
        Entry(
            "diagnostics-consumer",
            _("Why didn't a consumer get a reward?"),
            _(
                "Open Diagnostics in the console's menu and find the person by what they shared with your "
                "brand: their name, e-mail address, phone number or TikTok handle. Their page lists their "
                "latest actions at your brand, each with what happened (paid, held for review, or not paid "
                "and why: a budget or a limit reached, your funds ran out, the campaign paused or ended) and "
                "what you can do about it. Someone who shares their data with you but has done nothing a "
                "campaign pays for yet is found too, and the search says so."
            ),
            ((_("Diagnostics"), "console:diagnostics"),),
            keywords=pgettext_lazy(
                "help search words", "diagnostics reward missing not paid customer consumer person why"
            ),
        ),
        Entry(
            "diagnostics-campaign",
            _("Why isn't my campaign paying?"),
            _(
                "Open Diagnostics in the console's menu and choose the campaign. Its page checks what can stop "
                "it paying (its status and dates, your funds and how long they last, its budget, its limits "
                "compared with its rewards), says what to change with a link to where you change it, and "
                "groups its latest actions by what happened to them."
            ),
            ((_("Diagnostics"), "console:diagnostics"),),
            keywords=pgettext_lazy(
                "help search words", "diagnostics campaign not paying paused budget funds limits why"
            ),
        ),
        Entry(
            "language-time-zone",
            _("How do I change the console's language and my brand's time zone?"),
            _(
                "The console is in the language you choose at the foot of any page; it is saved for your "
                "account, so each member of your team has their own. Your brand's language (its statements, "
                "invoices and e-mails, and its brand page for visitors whose language is not known) is first "
                "set from its country; an owner changes it in the brand and billing details. Each campaign has "
                "its own language, on the "
                "campaign's page. The console's times and days (its figures and the daily "
                "limit per person) are in your brand's time zone: an owner changes it in the brand and "
                "billing details, and past days are then counted again in the new time zone."
            ),
            keywords=pgettext_lazy(
                "help search words", "language languages time zone timezone hour time settings change"
            ),
        ),
    ),
    contact=TO_MERCHANTS,
)

AFFILIATES = Audience(
    key="affiliates",
    url_name="support:help_affiliates",
    title=_("Help for affiliates"),
    intro=_("Tracked links, flat bounties, and when they are paid."),
    entries=(
        Entry(
            "how",
            _("How do affiliate programs work?"),
            _(
                "Apply to a program: TikJoy's own, which pays for each brand you bring when it first adds money, "
                "or a brand's program, which pays for orders in its shop. The program's owner approves you. You "
                "then make tracked links to the program's sites and earn a flat bounty for each conversion they "
                "bring."
            ),
            ((_("See the programs"), "affiliates:programs"),),
        ),
        Entry(
            "share-links",
            _("How can I share my links?"),
            _(
                "However suits your audience: in posts, videos, e-mails, your website or in person. Add a "
                "sub-id to a link to see which channel works best. Your page has the brand's logo and videos to "
                "use."
            ),
        ),
        Entry(
            "when-paid",
            _("When do I get paid?"),
            _(
                "A commission is pending when the conversion is tracked. It locks 15 days after the day it was "
                "tracked (until then the brand can reverse it, with a reason you see) and is approved 15 days "
                "after locking: then it is in your TikJoy wallet, and you pay it out to your bank like any "
                "balance (from %(minimum)s). Your page shows each commission's lock and approval dates."
            ),
            ((_("Pay out to my bank"), "payouts:home"),),
            keywords=pgettext_lazy("help search words", "money payment paid pay receive received earnings"),
            values=_payout_minimum,
        ),
        Entry(
            "not-counted",
            _("Why wasn't a conversion counted?"),
            _(
                "Your page lists the conversions not counted, with the reason: no click on your link before the "
                "order, the order came after the program's attribution window (30 days unless the program says "
                "otherwise), the program or your membership was inactive, or the brand's wallet couldn't pay "
                "the bounty."
            ),
        ),
        Entry(
            "held",
            _("Why is a commission held?"),
            _(
                "A commission is held for review when it looks like a self-referral (your own e-mail or network), "
                "uses a disposable e-mail address, matches another affiliate's device or bank account, comes "
                "with many conversions from one visitor in a day, or was reported by the shop's order page and "
                "waits for the shop to confirm the order. Someone then releases or reverses it."
            ),
        ),
        Entry(
            "reports",
            _("Where can I see my results?"),
            _(
                "Your program page has a report by day, month, link or sub-id: clicks (bots excluded), unique "
                "clicks, conversions, conversion rate, earnings per click, and your pending, locked and approved "
                "amounts, also as CSV."
            ),
        ),
    ),
    contact=TO_AFFILIATES,
)

AUDIENCES = {a.key: a for a in (CONSUMERS, MERCHANTS, AFFILIATES)}


def search(audience: Audience, query: str) -> list[Entry]:
    """The entries holding any of the query's meaningful words (in the current language), the ones
    holding the most first (support.help_search); every entry, in its order, for an empty query or
    one of stop words only."""
    terms = query_terms(query)
    if not terms:
        return list(audience.entries)
    documents = [(str(entry.question), entry.search_text()) for entry in audience.entries]
    return [audience.entries[index] for index in ranked(documents, terms)]
