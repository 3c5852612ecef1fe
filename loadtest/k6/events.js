// Shared event generator for the load tests.
//
// EVENT_SPEC below is the single list of the 100 event types and their
// type-specific fields. The k6 scenarios use it through createGenerator();
// the wrk scripts of the local benchmark (loadtest/wrk/events.lua) read the
// same text block out of this file, so both tools send the same events.
//
// Spec lines: `<event_name> <field>=<generator> ...`. Generators:
//   id:<prefix>        "<prefix>_" + 10 base-36 characters
//   int:<min>:<max>    integer            num:<min>:<max>:<decimals>  number
//   enum:<a>|<b>|...   one of the values  bool                       true/false
//   email, ip, uuid    as named           ts                         Unix seconds, last 30 days
//   text:<words>       lorem words        tags                       0-3 short strings
//   url:<path>         https://app.example.com/<path>/<id>
//   country, currency, locale, platform   common code lists
//
// Every event carries event_uuid (8-4-4-4-12 hex), event_name and created_at
// (Unix seconds, with milliseconds) first, then its type's fields.
// This module imports nothing, so it runs under k6 and under node (the CI
// check, loadtest/k6/check.mjs).

export const EVENT_SPEC = `
account:created user_id=id:usr email=email plan=enum:free|pro|team|enterprise country=country signup_source=enum:web|ios|android|partner referrer=url:r
account:verified user_id=id:usr method=enum:email|sms verification_delay_s=int:5:86400
account:updated user_id=id:usr changed_fields=tags source=platform
account:deleted user_id=id:usr reason=enum:privacy|too_expensive|not_useful|other tenure_days=int:0:2000
account:login user_id=id:usr method=enum:password|google|apple|sso ip=ip platform=platform success=bool
account:logout user_id=id:usr session_id=id:ses session_length_s=int:10:36000
account:password:reset user_id=id:usr requested_via=enum:email|sms|support ip=ip
account:email:changed user_id=id:usr old_domain=enum:gmail.com|outlook.com|yahoo.com|icloud.com new_domain=enum:gmail.com|proton.me|company.com
account:mfa:enabled user_id=id:usr factor=enum:totp|sms|webauthn backup_codes=int:0:10
account:suspended user_id=id:usr reason=enum:fraud|abuse|chargeback|manual by_admin=id:adm
profile:updated user_id=id:usr fields=tags completeness_pct=int:0:100
profile:avatar:uploaded user_id=id:usr bytes=int:2000:5000000 mime=enum:image/png|image/jpeg|image/webp
profile:preferences:changed user_id=id:usr locale=locale timezone=enum:Europe/Paris|America/New_York|Asia/Tokyo|UTC dark_mode=bool
profile:viewed viewer_id=id:usr profile_id=id:usr source=enum:search|comment|leaderboard
profile:privacy:changed user_id=id:usr visibility=enum:public|members|private
course:created course_id=id:crs author_id=id:usr title=text:4 category=enum:programming|design|business|languages|music price=num:0:299:2 currency=currency
course:published course_id=id:crs author_id=id:usr lessons=int:3:120 duration_min=int:20:3000
course:updated course_id=id:crs author_id=id:usr changed_fields=tags version=int:1:40
course:archived course_id=id:crs author_id=id:usr reason=enum:outdated|low_rating|author_request
course:enrolled user_id=id:usr course_id=id:crs source=enum:catalog|search|recommendation|email price_paid=num:0:299:2 currency=currency
course:unenrolled user_id=id:usr course_id=id:crs progress_pct=int:0:100 reason=enum:too_hard|no_time|not_relevant|other
course:completed user_id=id:usr course_id=id:crs duration_days=int:1:365 score=num:0:100:1
course:rated user_id=id:usr course_id=id:crs rating=int:1:5 comment=text:8
course:viewed user_id=id:usr course_id=id:crs referrer=url:c platform=platform
course:searched user_id=id:usr query=text:2 results=int:0:500 page=int:1:10
lesson:started user_id=id:usr course_id=id:crs lesson_id=id:lsn position=int:1:120 platform=platform
lesson:completed user_id=id:usr course_id=id:crs lesson_id=id:lsn time_spent_s=int:30:7200 score=num:0:100:1
lesson:paused user_id=id:usr lesson_id=id:lsn position_s=int:0:3600
lesson:resumed user_id=id:usr lesson_id=id:lsn position_s=int:0:3600 paused_s=int:1:86400
lesson:skipped user_id=id:usr lesson_id=id:lsn position=int:1:120
lesson:bookmarked user_id=id:usr lesson_id=id:lsn position_s=int:0:3600 note=text:5
lesson:note:created user_id=id:usr lesson_id=id:lsn note_id=id:nte length=int:1:2000
lesson:video:played user_id=id:usr lesson_id=id:lsn video_id=id:vid quality=enum:360p|720p|1080p|4k speed=enum:0.75|1|1.25|1.5|2
lesson:video:seeked user_id=id:usr video_id=id:vid from_s=int:0:3600 to_s=int:0:3600
lesson:transcript:opened user_id=id:usr lesson_id=id:lsn language=locale
quiz:started user_id=id:usr quiz_id=id:qz lesson_id=id:lsn questions=int:3:50 attempt=int:1:5
quiz:submitted user_id=id:usr quiz_id=id:qz answered=int:0:50 duration_s=int:30:5400
quiz:passed user_id=id:usr quiz_id=id:qz score=num:50:100:1 pass_mark=int:50:80
quiz:failed user_id=id:usr quiz_id=id:qz score=num:0:79:1 pass_mark=int:50:80
quiz:question:answered user_id=id:usr quiz_id=id:qz question_id=id:qst correct=bool time_s=int:1:600
quiz:hint:used user_id=id:usr quiz_id=id:qz question_id=id:qst hint_level=int:1:3
quiz:timed_out user_id=id:usr quiz_id=id:qz answered=int:0:50 limit_s=int:300:5400
quiz:retried user_id=id:usr quiz_id=id:qz attempt=int:2:5 previous_score=num:0:100:1
assignment:created assignment_id=id:asg course_id=id:crs author_id=id:usr due_at=ts max_points=int:10:100
assignment:submitted user_id=id:usr assignment_id=id:asg files=int:0:10 bytes=int:0:50000000
assignment:graded user_id=id:usr assignment_id=id:asg grader_id=id:usr points=num:0:100:1
assignment:late user_id=id:usr assignment_id=id:asg hours_late=int:1:240
assignment:feedback:viewed user_id=id:usr assignment_id=id:asg platform=platform
certificate:issued user_id=id:usr course_id=id:crs certificate_id=id:crt grade=enum:pass|merit|distinction
certificate:downloaded user_id=id:usr certificate_id=id:crt format=enum:pdf|png
certificate:shared user_id=id:usr certificate_id=id:crt network=enum:linkedin|twitter|facebook|email
payment:order:created order_id=id:ord user_id=id:usr amount=num:5:999:2 currency=currency items=int:1:5 coupon=enum:none|WELCOME10|SPRING25
payment:order:completed order_id=id:ord user_id=id:usr amount=num:5:999:2 currency=currency method=enum:card|paypal|apple_pay|sepa provider=enum:stripe|adyen|paypal
payment:order:failed order_id=id:ord user_id=id:usr amount=num:5:999:2 currency=currency error_code=enum:card_declined|insufficient_funds|expired_card|processing_error
payment:order:refunded order_id=id:ord user_id=id:usr amount=num:5:999:2 currency=currency reason=enum:requested_by_customer|duplicate|fraudulent
payment:method:added user_id=id:usr method=enum:card|paypal|sepa brand=enum:visa|mastercard|amex last4=int:1000:9999
payment:method:removed user_id=id:usr method=enum:card|paypal|sepa
payment:invoice:issued invoice_id=id:inv user_id=id:usr amount=num:5:2999:2 currency=currency due_at=ts
payment:invoice:paid invoice_id=id:inv user_id=id:usr amount=num:5:2999:2 currency=currency days_to_pay=int:0:60
payment:chargeback:opened order_id=id:ord user_id=id:usr amount=num:5:999:2 currency=currency reason=enum:fraud|not_received|duplicate
payment:coupon:applied order_id=id:ord user_id=id:usr coupon=enum:WELCOME10|SPRING25|STUDENT50 discount=num:1:200:2
payment:payout:sent payout_id=id:pay author_id=id:usr amount=num:10:20000:2 currency=currency
payment:tax:calculated order_id=id:ord country=country rate_pct=num:0:27:1 amount=num:0:250:2
subscription:started subscription_id=id:sub user_id=id:usr plan=enum:monthly|annual|team price=num:9:499:2 currency=currency
subscription:renewed subscription_id=id:sub user_id=id:usr plan=enum:monthly|annual|team period=int:2:60
subscription:upgraded subscription_id=id:sub user_id=id:usr from_plan=enum:monthly|annual to_plan=enum:annual|team prorated=num:0:300:2
subscription:downgraded subscription_id=id:sub user_id=id:usr from_plan=enum:team|annual to_plan=enum:monthly|annual
subscription:cancelled subscription_id=id:sub user_id=id:usr reason=enum:price|no_time|switching|other at_period_end=bool
subscription:expired subscription_id=id:sub user_id=id:usr plan=enum:monthly|annual|team
subscription:trial:started subscription_id=id:sub user_id=id:usr trial_days=int:7:30
subscription:trial:ended subscription_id=id:sub user_id=id:usr converted=bool
cart:item:added cart_id=id:crt user_id=id:usr course_id=id:crs price=num:5:299:2 currency=currency
cart:item:removed cart_id=id:crt user_id=id:usr course_id=id:crs
cart:viewed cart_id=id:crt user_id=id:usr items=int:0:10 total=num:0:1500:2
cart:abandoned cart_id=id:crt user_id=id:usr items=int:1:10 total=num:5:1500:2 idle_min=int:30:4320
cart:checkout:started cart_id=id:crt user_id=id:usr items=int:1:10 total=num:5:1500:2 currency=currency
notification:email:sent message_id=id:msg user_id=id:usr template=enum:welcome|receipt|reminder|digest|reset provider=enum:ses|sendgrid
notification:email:opened message_id=id:msg user_id=id:usr client=enum:gmail|outlook|apple_mail|other
notification:email:bounced message_id=id:msg user_id=id:usr bounce_type=enum:hard|soft|complaint
notification:push:sent message_id=id:msg user_id=id:usr platform=platform campaign=id:cmp
notification:push:clicked message_id=id:msg user_id=id:usr platform=platform delay_s=int:1:86400
notification:sms:sent message_id=id:msg user_id=id:usr country=country segments=int:1:4
session:started session_id=id:ses user_id=id:usr platform=platform ip=ip locale=locale app_version=enum:5.2.0|5.3.1|5.4.0
session:ended session_id=id:ses user_id=id:usr duration_s=int:5:36000 pages=int:1:200
session:heartbeat session_id=id:ses user_id=id:usr active=bool
session:page:viewed session_id=id:ses user_id=id:usr url=url:p title=text:3 load_ms=int:50:8000
search:performed user_id=id:usr query=text:3 results=int:0:1000 filters=tags latency_ms=int:5:900
search:result:clicked user_id=id:usr query=text:3 position=int:1:50 course_id=id:crs
search:no_results user_id=id:usr query=text:4 locale=locale
support:ticket:opened ticket_id=id:tkt user_id=id:usr category=enum:billing|technical|content|account priority=enum:low|normal|high|urgent
support:ticket:replied ticket_id=id:tkt author_id=id:usr from_staff=bool length=int:1:5000
support:ticket:closed ticket_id=id:tkt user_id=id:usr resolution=enum:solved|duplicate|no_response time_to_close_h=int:1:720
support:chat:started chat_id=id:cht user_id=id:usr page_url=url:h wait_s=int:0:900
support:feedback:submitted user_id=id:usr score=int:0:10 comment=text:12 channel=enum:web|email|in_app
social:comment:posted comment_id=id:cmt user_id=id:usr lesson_id=id:lsn length=int:1:4000 reply_to=enum:none|parent
social:comment:liked comment_id=id:cmt user_id=id:usr
social:post:shared user_id=id:usr course_id=id:crs network=enum:linkedin|twitter|facebook|whatsapp
social:user:followed follower_id=id:usr followee_id=id:usr source=enum:profile|comment|suggestion
app:installed device_id=uuid platform=platform app_version=enum:5.2.0|5.3.1|5.4.0 locale=locale country=country
app:crashed device_id=uuid user_id=id:usr platform=platform app_version=enum:5.2.0|5.3.1|5.4.0 signal=enum:SIGSEGV|SIGABRT|OOM|ANR
`;

export const LISTS = {
    country: ['FR', 'DE', 'GB', 'US', 'ES', 'IT', 'NL', 'BR', 'IN', 'JP', 'CA', 'PL'],
    currency: ['EUR', 'USD', 'GBP', 'BRL', 'INR', 'JPY', 'CAD', 'PLN'],
    locale: ['fr-FR', 'en-GB', 'en-US', 'de-DE', 'es-ES', 'pt-BR', 'ja-JP', 'it-IT'],
    platform: ['web', 'ios', 'android', 'desktop'],
    words: ['intro', 'advanced', 'python', 'design', 'budget', 'guitar', 'spanish', 'data',
        'marketing', 'cloud', 'security', 'photo', 'writing', 'math', 'history', 'cooking'],
    tags: ['beginner', 'video', 'mobile', 'promo', 'team', 'beta', 'archived', 'featured'],
};

// Parses the spec into [{ name, fields: [[field, generator], ...] }].
export function parseSpec(text) {
    return text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0).map((line) => {
        const [name, ...pairs] = line.split(/\s+/);
        const fields = pairs.map((p) => {
            const eq = p.indexOf('=');
            if (eq <= 0) {
                throw new Error(`bad field "${p}" in "${name}"`);
            }
            return [p.slice(0, eq), p.slice(eq + 1)];
        });
        return { name, fields };
    });
}

export const EVENT_TYPES = parseSpec(EVENT_SPEC);

// Ways an event can break the gateway's rules (server/event.h).
export const INVALID_KINDS = [
    'missing_uuid', 'bad_uuid', 'missing_name', 'empty_name_part',
    'created_at_ms', 'created_at_string', 'negative_created_at', 'not_object',
];

// A small fast seeded PRNG (mulberry32): reproducible when a seed is given.
function prng(seed) {
    let a = seed >>> 0;
    return function next() {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function hex(value, width) {
    return Math.floor(value).toString(16).padStart(width, '0').slice(-width);
}

function makeValue(gen, rnd, nowSec) {
    const [kind, ...args] = gen.split(':');
    const pick = (list) => list[Math.floor(rnd() * list.length)];
    const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
    switch (kind) {
    case 'id': {
        let s = '';
        for (let i = 0; i < 10; i++) {
            s += '0123456789abcdefghijklmnopqrstuvwxyz'[Math.floor(rnd() * 36)];
        }
        return `${args[0]}_${s}`;
    }
    case 'int':
        return int(Number(args[0]), Number(args[1]));
    case 'num': {
        const lo = Number(args[0]);
        const hi = Number(args[1]);
        const d = Number(args[2]);
        return Number((lo + rnd() * (hi - lo)).toFixed(d));
    }
    case 'enum':
        return pick(args.join(':').split('|'));
    case 'bool':
        return rnd() < 0.5;
    case 'email':
        return `user${int(1, 999999)}@example.com`;
    case 'ip':
        return `${pick(['192.0.2', '198.51.100', '203.0.113'])}.${int(1, 254)}`;
    case 'uuid':
        return `${hex(rnd() * 2 ** 32, 8)}-${hex(rnd() * 65536, 4)}-4${hex(rnd() * 4096, 3)}-`
            + `${hex(0x8000 + rnd() * 0x4000, 4)}-${hex(rnd() * 2 ** 48, 12)}`;
    case 'ts':
        return nowSec - int(0, 30 * 86400);
    case 'text': {
        const words = [];
        for (let i = 0; i < Number(args[0]); i++) {
            words.push(pick(LISTS.words));
        }
        return words.join(' ');
    }
    case 'tags': {
        const n = int(0, 3);
        const tags = [];
        for (let i = 0; i < n; i++) {
            tags.push(pick(LISTS.tags));
        }
        return tags;
    }
    case 'url':
        return `https://app.example.com/${args[0]}/${int(1, 99999)}`;
    default:
        if (LISTS[kind]) {
            return pick(LISTS[kind]);
        }
        throw new Error(`unknown generator "${gen}"`);
    }
}

// Breaks a valid event in the given way; returns the value to send as Data.
export function breakEvent(event, kind) {
    const e = { ...event };
    switch (kind) {
    case 'missing_uuid':
        delete e.event_uuid;
        return e;
    case 'bad_uuid':
        e.event_uuid = e.event_uuid.slice(0, 30);
        return e;
    case 'missing_name':
        delete e.event_name;
        return e;
    case 'empty_name_part':
        e.event_name = `${e.event_name}:`;
        return e;
    case 'created_at_ms':
        e.created_at = Math.floor(e.created_at * 1000);
        return e;
    case 'created_at_string':
        e.created_at = String(e.created_at);
        return e;
    case 'negative_created_at':
        e.created_at = -1;
        return e;
    case 'not_object':
        return [e];
    default:
        throw new Error(`unknown invalid kind "${kind}"`);
    }
}

// Creates a generator of events.
//   vu: the k6 VU number (part of every uuid, so VUs never collide);
//   seed: PRNG seed (random when absent);
//   invalidShare, duplicateShare: fractions (0..1) of invalid events and of
//     exact repeats of a recent valid event; the rest are fresh valid events;
//   types: restrict to these event names (default: all 100);
//   now: clock in milliseconds (default Date.now).
// next() returns { data, partitionKey, kind } with kind 'valid', 'duplicate'
// or one of INVALID_KINDS; partitionKey is the event's uuid (or a fixed key
// for events without one).
export function createGenerator(opts = {}) {
    const seed = opts.seed !== undefined ? opts.seed
        : Math.floor(Math.random() * 2 ** 32) ^ (Date.now() & 0xffffffff);
    const rnd = prng(seed);
    const now = opts.now || (() => Date.now());
    const types = opts.types ? EVENT_TYPES.filter((t) => opts.types.includes(t.name)) : EVENT_TYPES;
    const invalidShare = opts.invalidShare || 0;
    const duplicateShare = opts.duplicateShare || 0;
    // uuid = instance(8)-vu(4)-4 instance(3)-variant instance(3)-counter(12)
    const inst1 = hex(rnd() * 2 ** 32, 8);
    const vu = hex((opts.vu || 0) & 0xffff, 4);
    const inst2 = hex(rnd() * 4096, 3);
    const inst3 = hex(0x8000 + rnd() * 0x4000, 4);
    const recent = [];
    let counter = 0;
    let invalidAcc = 0;
    let duplicateAcc = 0;
    const stats = { valid: 0, duplicate: 0, invalid: 0 };

    function fresh() {
        const type = types[Math.floor(rnd() * types.length)];
        const ms = now();
        const event = {
            event_uuid: `${inst1}-${vu}-4${inst2}-${inst3}-${hex(counter++, 12)}`,
            event_name: type.name,
            created_at: Math.floor(ms) / 1000,
        };
        for (const [field, gen] of type.fields) {
            event[field] = makeValue(gen, rnd, Math.floor(ms / 1000));
        }
        return event;
    }

    function next() {
        // Deterministic shares: an accumulator fires exactly share * n times.
        invalidAcc += invalidShare;
        duplicateAcc += duplicateShare;
        if (invalidAcc >= 1) {
            invalidAcc -= 1;
            const kind = INVALID_KINDS[Math.floor(rnd() * INVALID_KINDS.length)];
            const event = fresh();
            stats.invalid++;
            return { data: breakEvent(event, kind), partitionKey: event.event_uuid, kind };
        }
        if (duplicateAcc >= 1 && recent.length > 0) {
            duplicateAcc -= 1;
            stats.duplicate++;
            const event = recent[Math.floor(rnd() * recent.length)];
            return { data: event, partitionKey: event.event_uuid, kind: 'duplicate' };
        }
        const event = fresh();
        if (recent.length < 64) {
            recent.push(event);
        } else {
            recent[counter % 64] = event;
        }
        stats.valid++;
        return { data: event, partitionKey: event.event_uuid, kind: 'valid' };
    }

    return { next, stats, seed };
}
