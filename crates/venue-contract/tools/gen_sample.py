#!/usr/bin/env python3
"""Generate the embedded sample event ("Aurora DevCon Seoul 2026") and the prize photos.

Deterministic: running it twice produces byte-identical JSON and JPEG files.

Writes (paths relative to the repository root):
  crates/venue-contract/sample/event.json     EventInfo
  crates/venue-contract/sample/schedule.json  Schedule
  crates/venue-contract/sample/messages.json  Messages
  crates/venue-contract/sample/draw.json      DrawData (6 prizes, 500 tickets)
  crates/venue-contract/sample/game.json      GameData
  crates/venue-contract/sample/prizes/<prize id>.jpg 640x480 stylized product illustrations

Usage: python3 crates/venue-contract/tools/gen_sample.py [--no-images]
Requires Pillow only for the images (pip install pillow).
"""

import hashlib
import json
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # crates/venue-contract
SAMPLE = ROOT / "sample"
PRIZES_DIR = SAMPLE / "prizes"

VERSION = 1
TZ = "+09:00"
DAYS = {1: "2026-12-03", 2: "2026-12-04"}


def ts(day, hhmm):
    """RFC 3339 timestamp with the venue offset."""
    return f"{DAYS[day]}T{hhmm}:00{TZ}"


# --------------------------------------------------------------------------------------------
# event.json
# --------------------------------------------------------------------------------------------

TRACKS = [
    {"id": "web", "name": "Web & Frontend · 웹", "color": "#3DDBD9"},
    {"id": "ai", "name": "AI & Data · 인공지능", "color": "#A78BFA"},
    {"id": "systems", "name": "Systems & Infra · 시스템", "color": "#FBBF24"},
]

ROOMS = [
    {"id": "ballroom", "name": "Grand Ballroom · 그랜드볼룸", "short_name": "Ballroom"},
    {"id": "r201", "name": "Room 201 · 오로라홀", "short_name": "201"},
    {"id": "r202", "name": "Room 202 · 별빛홀", "short_name": "202"},
    {"id": "r301", "name": "Room 301 · 은하수홀", "short_name": "301"},
    {"id": "r302", "name": "Room 302 · 혜성홀", "short_name": "302"},
    {"id": "lab", "name": "Workshop Lab · 워크숍 랩", "short_name": "Lab"},
]

EVENT = {
    "version": VERSION,
    "id": "aurora-devcon-seoul-2026",
    "name": "Aurora DevCon Seoul 2026",
    "time_zone": "Asia/Seoul",
    "start_date": DAYS[1],
    "end_date": DAYS[2],
    "venue": "COEX Hall C, Seoul · 코엑스 C홀",
    "tracks": TRACKS,
    "rooms": ROOMS,
}

# --------------------------------------------------------------------------------------------
# schedule.json
# --------------------------------------------------------------------------------------------

# Talk slots (slot letter -> start, end). Breaks sit between B/A, C/D (lunch) and F/G.
SLOTS = [
    ("10:10", "10:50"),
    ("11:10", "11:50"),
    ("11:50", "12:30"),
    ("13:30", "14:10"),
    ("14:10", "14:50"),
    ("14:50", "15:30"),
    ("15:50", "16:30"),
    ("16:30", "17:10"),
]

# Which room each track uses per day and slot index: tracks MOVE between rooms.
ROOM_PLAN = {
    1: {
        "web": ["r202"] * 3 + ["r202"] * 3 + ["ballroom"] * 2,
        "ai": ["r201"] * 3 + ["r301"] * 5,
        "systems": ["r302"] * 3 + ["r201"] * 5,
    },
    2: {
        "web": ["r201"] * 3 + ["r302"] * 5,
        "ai": ["ballroom"] * 3 + ["r201"] * 5,
        "systems": ["r301"] * 3 + ["r301"] * 5,
    },
}

# (title, subtitle or None, language, speakers); 16 per track, day 1 first.
TALKS = {
    "web": [
        ("WebGPU와 러스트로 만드는 실시간 그래픽", "러스트로 만드는 실시간 그래픽", "ko", ["김도현"]),
        ("Server Components Without the Hype", None, "en", ["Sarah Chen"]),
        ("디자인 시스템 3년 운영기", None, "ko", ["박지은", "최윤서"]),
        ("Edge Rendering at Scale: Lessons from Serving 40 Million Page Views a Day Across Asia",
         None, "en", ["Daniel Okafor"]),
        ("접근성은 기능이다: 스크린 리더 사용자와 함께한 6개월", None, "ko", ["이서연 (Seoyeon Lee)"]),
        ("Signals, Stores and State: A Field Guide", "Choosing a reactivity model in 2026", "en",
         ["Marta Kowalska"]),
        ("TypeScript 타입 레벨 프로그래밍 실전", None, "ko", ["정우진"]),
        ("The CSS You Missed in 2026", None, "en", ["Jonas Weber", "한소희"]),
        ("웹 성능 예산 지키기: Core Web Vitals 실전 개선기", None, "ko", ["오세훈"]),
        ("Offline-First PWAs for Festival Apps", None, "en", ["Priya Raman"]),
        ("모노레포 빌드 시간을 10분에서 90초로", None, "ko", ["윤하늘"]),
        ("HTMX, Islands and the Return of the Server", None, "en", ["Tom Becker"]),
        ("브라우저 안의 데이터베이스: SQLite WASM 활용기", None, "ko", ["강민재"]),
        ("Shipping Wasm Components to Production", None, "en", ["Yuki Tanaka"]),
        ("한국어 타이포그래피와 웹 폰트 최적화", None, "ko", ["서지우", "Lucas Martin"]),
        ("Micro-frontends: When to Split and When to Stop", None, "en", ["Emily Novak"]),
    ],
    "ai": [
        ("추천 시스템에 LLM 붙이기", None, "ko", ["임재현"]),
        ("Evaluating LLM Agents Without Fooling Yourself", None, "en", ["Aisha Rahman"]),
        ("RAG 파이프라인의 검색 품질 측정하기", None, "ko", ["송예린"]),
        ("On-Device Inference: Quantization, Distillation and Running 3B-Parameter Models on Phones",
         None, "en", ["Kenji Sato", "조민혁"]),
        ("한국어 임베딩 모델 파인튜닝 경험기", None, "ko", ["배수아"]),
        ("Feature Stores Are Dead, Long Live Feature Stores", None, "en", ["Michael Brandt"]),
        ("멀티모달 검색으로 사진 속 상품 찾기", None, "ko", ["홍지훈"]),
        ("Guardrails That Actually Work", "Policy, classifiers and humans in the loop", "en",
         ["Laura Rossi"]),
        ("대규모 언어 모델 서빙 최적화: 연속 배칭, KV 캐시 관리, 그리고 GPU 메모리 단편화와 벌인 일 년간의 기나긴 싸움",
         None, "ko", ["김하은", "이준호"]),
        ("Synthetic Data for Low-Resource Languages", None, "en", ["Nguyen Van An"]),
        ("MLOps 3년차: 모델 레지스트리와 배포 자동화", None, "ko", ["문태양"]),
        ("Vector Databases Under Load", None, "en", ["Olivia Grant"]),
        ("음성 인식 모델로 회의록 자동화하기", None, "ko", ["유나래"]),
        ("Small Models, Big Wins", None, "en", ["Carlos Mendes"]),
        ("AI 코드 리뷰 도입 후 6개월", "무엇이 좋아지고 무엇이 나빠졌나", "ko", ["장서준"]),
        ("Reinforcement Learning from Human Feedback, Explained with Cats", None, "en",
         ["Hannah Fischer"]),
    ],
    "systems": [
        ("eBPF로 들여다보는 프로덕션 커널", None, "ko", ["신동욱"]),
        ("Async Rust in Anger", None, "en", ["Ben Harper"]),
        ("쿠버네티스 없이 살아남기", None, "ko", ["권나연"]),
        ("Zero-Downtime Postgres Major Upgrades", None, "en", ["Sofia Alvarez", "남궁민"]),
        ("러스트로 다시 쓴 결제 게이트웨이", None, "ko", ["황보석진"]),
        ("Designing a Time-Series Database for Kiosk Telemetry", None, "en", ["Erik Lindqvist"]),
        ("io_uring 실전 도입기", None, "ko", ["안지민"]),
        ("Observability on a Budget: OpenTelemetry, Sampling Strategies and Keeping Your Cloud Bill Sane",
         None, "en", ["Rachel Kim"]),
        ("분산 트랜잭션 없이 일관성 지키기", None, "ko", ["백승현"]),
        ("Memory Safety in Legacy C++: A Migration Story", None, "en", ["Patrick O'Neill"]),
        ("카오스 엔지니어링 게임데이 운영기", None, "ko", ["고은비", "류현우"]),
        ("Building a Deterministic Simulator for Distributed Systems", None, "en", ["Ana Petrova"]),
        ("ARM 서버로의 이전: 비용과 성능", None, "ko", ["전하준"]),
        ("Linkers, Loaders and Why Your Binary Is 400 MB", None, "en", ["Felix Schmidt"]),
        ("SRE 온콜 문화 바꾸기", None, "ko", ["노유진"]),
        ("Formal Methods for the Rest of Us", None, "en", ["Grace Liu"]),
    ],
}

CANCELLED = {"d2-systems-5"}


def session(sid, title, start, end, kind, *, subtitle=None, speakers=None, track=None, room=None,
            language=None, cancelled=False):
    s = {"id": sid, "title": title}
    if subtitle:
        s["subtitle"] = subtitle
    s["speakers"] = speakers or []
    if track:
        s["track"] = track
    if room:
        s["room"] = room
    s["start"] = start
    s["end"] = end
    s["kind"] = kind
    if language:
        s["language"] = language
    if cancelled:
        s["cancelled"] = True
    return s


def build_schedule():
    sessions = []
    for day in (1, 2):
        d = f"d{day}"
        if day == 1:
            sessions.append(session(
                f"{d}-keynote", "The Next Decade of Developer Tools — 개발 도구의 다음 10년",
                ts(day, "09:30"), ts(day, "10:10"), "keynote",
                subtitle="Opening keynote · 개막 기조연설", speakers=["Dr. Helena Park"],
                room="ballroom", language="en"))
        else:
            sessions.append(session(
                f"{d}-keynote", "오픈소스와 함께 성장하기 — Growing Up with Open Source",
                ts(day, "09:30"), ts(day, "10:10"), "keynote",
                subtitle="Day 2 keynote · 둘째 날 기조연설", speakers=["정하늘 (Haneul Jung)"],
                room="ballroom", language="ko"))
        sessions.append(session(f"{d}-coffee-am", "Coffee Break · 커피 브레이크",
                                ts(day, "10:50"), ts(day, "11:10"), "break"))
        sessions.append(session(f"{d}-lunch", "Lunch · 점심 식사",
                                ts(day, "12:30"), ts(day, "13:30"), "break"))
        sessions.append(session(f"{d}-coffee-pm", "Coffee Break · 커피 브레이크",
                                ts(day, "15:30"), ts(day, "15:50"), "break"))
        for track in ("web", "ai", "systems"):
            talks = TALKS[track][(day - 1) * 8: day * 8]
            for i, ((start, end), (title, subtitle, lang, speakers)) in enumerate(zip(SLOTS, talks)):
                sid = f"{d}-{track}-{i + 1}"
                sessions.append(session(
                    sid, title, ts(day, start), ts(day, end), "talk", subtitle=subtitle,
                    speakers=speakers, track=track, room=ROOM_PLAN[day][track][i], language=lang,
                    cancelled=sid in CANCELLED))
        if day == 1:
            sessions.append(session(
                f"{d}-workshop", "Hands-on: Building a WebGPU Particle System",
                ts(day, "13:30"), ts(day, "15:30"), "workshop",
                subtitle="Bring a laptop with Chrome 120+ · 노트북 지참", track="web", room="lab",
                speakers=["Marta Kowalska", "김도현"], language="en"))
            sessions.append(session(
                f"{d}-lightning", "Lightning Talks · 라이트닝 토크", ts(day, "17:10"), ts(day, "18:00"),
                "other", subtitle="5 minutes each, 8 speakers", room="ballroom", language="ko"))
        else:
            sessions.append(session(
                f"{d}-workshop", "실습: 나만의 RAG 챗봇 만들기", ts(day, "11:10"), ts(day, "12:30"),
                "workshop", subtitle="Hands-on RAG chatbot workshop", track="ai", room="lab",
                speakers=["송예린", "Aisha Rahman"], language="ko"))
            sessions.append(session(
                f"{d}-closing", "Closing & Lucky Draw · 폐회 및 경품 추첨", ts(day, "17:10"),
                ts(day, "18:00"), "other", room="ballroom", language="ko"))
    sessions.sort(key=lambda s: (s["start"], s.get("room") or "", s["id"]))
    return {"version": VERSION, "sessions": sessions}


def check_schedule(sched):
    ids = [s["id"] for s in sched["sessions"]]
    assert len(ids) == len(set(ids)), "duplicate session ids"
    room_ids = {r["id"] for r in ROOMS}
    track_ids = {t["id"] for t in TRACKS}
    by_room = {}
    for s in sched["sessions"]:
        assert s["start"] < s["end"], s["id"]
        assert s.get("room") is None or s["room"] in room_ids, s["id"]
        assert s.get("track") is None or s["track"] in track_ids, s["id"]
        if s.get("room"):
            by_room.setdefault(s["room"], []).append(s)
    for room, items in by_room.items():
        items.sort(key=lambda s: s["start"])
        for a, b in zip(items, items[1:]):
            assert a["end"] <= b["start"], f"overlap in {room}: {a['id']} / {b['id']}"
    long_titles = [s["title"] for s in sched["sessions"] if len(s["title"]) > 60]
    assert len(long_titles) >= 3 and any(any("\uac00" <= c <= "\ud7a3" for c in t) for t in long_titles)
    assert sum(1 for s in sched["sessions"] if s.get("cancelled")) == 1
    assert len(sched["sessions"]) >= 48


# --------------------------------------------------------------------------------------------
# messages.json
# --------------------------------------------------------------------------------------------

MESSAGES = {
    "version": VERSION,
    "messages": [
        {
            "id": "wifi",
            "text": "Wi-Fi: AuroraDevCon / pw: starfield2026",
            "priority": "info",
            "starts": ts(1, "08:00"),
            "expires": ts(2, "19:00"),
        },
        {
            "id": "lunch-lounge",
            "text": "점심은 3층 라운지에서 제공됩니다 · Lunch is served in the 3F Lounge",
            "priority": "normal",
            "starts": ts(1, "08:00"),
            "expires": ts(2, "19:00"),
        },
        {
            "id": "keynote-moved",
            "text": "Keynote moved to Grand Ballroom — 기조연설 장소가 변경되었습니다",
            "priority": "urgent",
            "starts": ts(1, "09:00"),
            "expires": ts(1, "10:00"),
        },
    ],
}

# --------------------------------------------------------------------------------------------
# draw.json
# --------------------------------------------------------------------------------------------

PRIZES = [
    {"id": "macbook-air", "name": "MacBook Air 15\"", "winner_count": 1},
    {"id": "keyboard", "name": "기계식 키보드 Mechanical Keyboard", "winner_count": 2},
    {"id": "headphones", "name": "노이즈 캔슬링 헤드폰 Noise-cancelling Headphones", "winner_count": 3},
    {"id": "drone", "name": "드론 Drone", "winner_count": 5},
    {"id": "hoodie", "name": "컨퍼런스 후드티 Conference Hoodie", "winner_count": 10},
    {"id": "coffee", "name": "커피 쿠폰 Coffee Voucher", "winner_count": 20,
     "allow_previous_winners": True, "batch_size": 10},
]

KO_SURNAMES = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권",
               "황", "안", "송", "류", "홍"]
KO_GIVEN = ["민수", "서연", "지훈", "수빈", "현우", "지은", "도윤", "하은", "준서", "예린", "성민", "유진",
            "태현", "다은", "재원", "소희", "동현", "나연", "승우", "은수", "하늘", "지수", "영호", "미경"]
EN_FIRST = ["James", "Mary", "John", "Emma", "Michael", "Olivia", "David", "Sophia", "Daniel", "Mia",
            "Lucas", "Anna", "Ryan", "Chloe", "Noah", "Grace", "Ethan", "Lily", "Kevin", "Sara"]
EN_LAST = ["Doe", "Kim", "Smith", "Brown", "Lee", "Garcia", "Miller", "Davis", "Wilson", "Taylor",
           "Clark", "Park", "Young", "Nguyen", "Lopez", "Hill", "Scott", "Green", "Adams", "Baker"]


def mask_name(rng):
    """A fake name, masked the way the server masks names. The full name is never written."""
    if rng.random() < 0.72:
        surname = rng.choice(KO_SURNAMES)
        given = rng.choice(KO_GIVEN)
        return f"{surname}*{given[-1]}"
    first = rng.choice(EN_FIRST)
    last = rng.choice(EN_LAST)
    return f"{first[0]}*** {last[0]}."


def build_draw():
    rng = random.Random(20261203)
    # 215 holders with 1 ticket, 85 with 2, 25 with 3, 10 with 4 = 500 tickets, 335 holders.
    counts = [1] * 215 + [2] * 85 + [3] * 25 + [4] * 10
    rng.shuffle(counts)
    numbers = rng.sample(range(1000, 10000), 500)
    tickets = []
    holders = set()
    it = iter(numbers)
    for i, n in enumerate(counts):
        fake_attendee_id = f"aurora-devcon-2026/attendee/{100000 + i}"
        holder = "h-" + hashlib.sha256(fake_attendee_id.encode()).hexdigest()[:8]
        assert holder not in holders
        holders.add(holder)
        name = mask_name(rng)
        for _ in range(n):
            tickets.append({"number": next(it), "display_name": name, "holder": holder})
    tickets.sort(key=lambda t: t["number"])
    assert len(tickets) == 500 and len({t["number"] for t in tickets}) == 500
    prizes = []
    for order, p in enumerate(PRIZES, start=1):
        prize = {"id": p["id"], "name": p["name"], "image_url": f"prizes/{p['id']}.jpg",
                 "winner_count": p["winner_count"], "order": order,
                 "allow_previous_winners": p.get("allow_previous_winners", False)}
        if "batch_size" in p:
            prize["batch_size"] = p["batch_size"]
        prizes.append(prize)
    return {"version": VERSION, "prizes": prizes, "tickets": tickets}


# --------------------------------------------------------------------------------------------
# game.json
# --------------------------------------------------------------------------------------------

GAME = {
    "version": VERSION,
    "teams": [
        {"id": "nebula", "name": "Team Nebula", "color": "#38BDF8", "key": "KeyA"},
        {"id": "aurora", "name": "팀 오로라", "color": "#34D399", "key": "KeyF"},
        {"id": "quasar", "name": "Team Quasar", "color": "#F472B6", "key": "KeyJ"},
        {"id": "comet", "name": "팀 혜성", "color": "#FB923C", "key": "Semicolon"},
    ],
    "rounds": [
        {"index": 1, "name": "Round 1 · 워밍업 Warm-up", "weight": 1.0, "speed": 1.5, "pieces": 6,
         "difficulty": 0.0},
        {"index": 2, "name": "Round 2 · 순항 Cruise", "weight": 1.5, "speed": 2.0, "pieces": 8,
         "difficulty": 3.0},
        {"index": 3, "name": "Round 3 · 가속 Boost", "weight": 2.0, "speed": 2.6, "pieces": 10,
         "difficulty": 6.0},
        {"index": 4, "name": "Final · 결승 Hyperdrive", "weight": 3.0, "speed": 3.2, "pieces": 12,
         "difficulty": 9.0},
    ],
}


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")


# --------------------------------------------------------------------------------------------
# Prize photos
# --------------------------------------------------------------------------------------------

W, H = 640, 480
SS = 2  # supersampling factor


def hex_rgb(h):
    h = h.lstrip("#")
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def background(glow_rgb, seed):
    from PIL import Image, ImageDraw, ImageFilter

    w, h = W * SS, H * SS
    img = Image.new("RGB", (w, h))
    px = []
    top, bottom = (10, 12, 30), (3, 4, 12)
    for y in range(h):
        t = y / (h - 1)
        px.append(tuple(int(top[i] + (bottom[i] - top[i]) * t) for i in range(3)))
    grad = Image.new("RGB", (1, h))
    grad.putdata(px)
    img = grad.resize((w, h))
    # Coloured radial glow behind the object.
    glow = Image.new("L", (w, h), 0)
    gd = ImageDraw.Draw(glow)
    cx, cy = w // 2, int(h * 0.46)
    gd.ellipse([cx - 430, cy - 330, cx + 430, cy + 330], fill=120)
    glow = glow.filter(ImageFilter.GaussianBlur(170))
    tint = Image.new("RGB", (w, h), glow_rgb)
    img = Image.composite(tint, img, glow.point(lambda v: int(v * 0.55)))
    # A few stars.
    rng = random.Random(seed)
    d = ImageDraw.Draw(img)
    for _ in range(90):
        x, y = rng.randrange(w), rng.randrange(int(h * 0.8))
        r = rng.choice([1, 1, 2, 2, 3])
        b = rng.randint(90, 220)
        d.ellipse([x - r, y - r, x + r, y + r], fill=(b, b, min(255, b + 25)))
    # Floor reflection ellipse.
    floor = Image.new("L", (w, h), 0)
    fd = ImageDraw.Draw(floor)
    fd.ellipse([cx - 380, int(h * 0.80) - 40, cx + 380, int(h * 0.80) + 40], fill=110)
    floor = floor.filter(ImageFilter.GaussianBlur(30))
    img = Image.composite(Image.new("RGB", (w, h), glow_rgb), img, floor.point(lambda v: int(v * 0.5)))
    return img


def compose(bg, layer, glow_rgb, glow_radius=38, glow_strength=0.9):
    """Put the object layer (RGBA) over the background with a soft coloured glow around it."""
    from PIL import Image, ImageFilter

    alpha = layer.split()[3]
    halo = alpha.filter(ImageFilter.GaussianBlur(glow_radius)).point(lambda v: int(v * glow_strength))
    out = Image.composite(Image.new("RGB", bg.size, glow_rgb), bg, halo)
    out.paste(layer, (0, 0), layer)
    return out.resize((W, H), Image.LANCZOS)


def rrect(d, box, r, **kw):
    d.rounded_rectangle([int(v) for v in box], radius=int(r), **kw)


def vgradient_fill(size, top, bottom):
    from PIL import Image

    w, h = size
    g = Image.new("RGB", (1, h))
    g.putdata([tuple(int(top[i] + (bottom[i] - top[i]) * y / max(1, h - 1)) for i in range(3))
               for y in range(h)])
    return g.resize((w, h))


def draw_laptop():
    from PIL import Image, ImageDraw, ImageFilter

    w, h = W * SS, H * SS
    glow = hex_rgb("#38BDF8")
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    cx = w // 2
    # Screen lid.
    sx0, sy0, sx1, sy1 = cx - 360, 190, cx + 360, 650
    rrect(d, (sx0, sy0, sx1, sy1), 28, fill=(196, 204, 216, 255))
    rrect(d, (sx0 + 10, sy0 + 10, sx1 - 10, sy1 - 10), 22, fill=(14, 16, 26, 255))
    # Screen content: aurora bands over a night sky.
    sw, sh = (sx1 - sx0 - 44), (sy1 - sy0 - 44)
    screen = vgradient_fill((sw, sh), (8, 18, 48), (20, 10, 46))
    for k, col in enumerate([(61, 219, 217), (167, 139, 250), (56, 189, 248)]):
        pts = []
        for x in range(-20, sw + 40, 8):
            y = sh * (0.38 + 0.12 * k) + 60 * math.sin(x / 110 + k * 1.7) + 25 * math.sin(x / 37 + k)
            pts.append((x, y))
        for thick, blur, a in ((80, 28, 0.55), (26, 8, 0.8), (8, 1, 1.0)):
            band = Image.new("L", (sw, sh), 0)
            ImageDraw.Draw(band).line(pts, fill=255, width=thick, joint="curve")
            band = band.filter(ImageFilter.GaussianBlur(blur)).point(lambda v, a=a: int(v * a))
            screen = Image.composite(Image.new("RGB", (sw, sh), col), screen, band)
    sd = ImageDraw.Draw(screen, "RGBA")
    rng = random.Random(7)
    for _ in range(60):
        x, y = rng.randrange(sw), rng.randrange(int(sh * 0.5))
        sd.ellipse([x - 2, y - 2, x + 2, y + 2], fill=(230, 235, 255, 200))
    layer.paste(screen, (sx0 + 22, sy0 + 22))
    d.ellipse([cx - 6, sy0 + 4, cx + 6, sy0 + 16], fill=(40, 44, 60, 255))  # camera
    # Base (keyboard deck) in perspective.
    base = [(sx0 - 40, sy1 + 6), (sx1 + 40, sy1 + 6), (sx1 + 120, sy1 + 150), (sx0 - 120, sy1 + 150)]
    d.polygon(base, fill=(170, 178, 192, 255))
    d.polygon([(sx0 - 120, sy1 + 150), (sx1 + 120, sy1 + 150), (sx1 + 112, sy1 + 172),
               (sx0 - 112, sy1 + 172)], fill=(120, 126, 140, 255))
    # Key rows on the deck.
    for row in range(4):
        t0 = (row + 0.6) / 5.2
        t1 = (row + 1.3) / 5.2
        y0 = sy1 + 6 + 144 * t0 * 0.8
        y1 = sy1 + 6 + 144 * t1 * 0.8
        half0 = 360 + 40 + 80 * t0 - 60
        half1 = 360 + 40 + 80 * t1 - 60
        n = 14
        for k in range(n):
            a0 = -half0 + 2 * half0 * (k + 0.1) / n
            a1 = -half0 + 2 * half0 * (k + 0.9) / n
            b0 = -half1 + 2 * half1 * (k + 0.1) / n
            b1 = -half1 + 2 * half1 * (k + 0.9) / n
            d.polygon([(cx + a0, y0), (cx + a1, y0), (cx + b1, y1), (cx + b0, y1)],
                      fill=(60, 64, 78, 255))
    # Trackpad.
    d.polygon([(cx - 110, sy1 + 112), (cx + 110, sy1 + 112), (cx + 124, sy1 + 144),
               (cx - 124, sy1 + 144)], fill=(150, 158, 172, 255))
    return compose(background(glow, 1), layer, glow)


def draw_keyboard():
    from PIL import Image, ImageDraw

    w, h = W * SS, H * SS
    glow = hex_rgb("#A78BFA")
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    cx, cy = w // 2, int(h * 0.5)
    bw, bh = 1040, 420
    x0, y0 = cx - bw // 2, cy - bh // 2
    # RGB underglow strip.
    rrect(d, (x0 - 6, y0 + 24, x0 + bw + 6, y0 + bh + 18), 40, fill=(167, 139, 250, 255))
    rrect(d, (x0, y0, x0 + bw, y0 + bh), 36, fill=(34, 36, 52, 255))
    rrect(d, (x0 + 18, y0 + 18, x0 + bw - 18, y0 + bh - 18), 24, fill=(22, 23, 34, 255))
    # Key grid: 5 rows, 1u = 66 px.
    u = 66
    gx, gy = x0 + 34, y0 + 34
    rows = [
        [1] * 14 + [1],
        [1.5] + [1] * 12 + [1.5],
        [1.75] + [1] * 11 + [2.25],
        [2.25] + [1] * 10 + [2.75],
        [1.25, 1.25, 1.25, 6.25, 1.25, 1.25, 1.25, 1.25],
    ]
    accent = {(0, 0): (251, 191, 36), (2, 12): (61, 219, 217), (4, 3): (167, 139, 250),
              (1, 0): (244, 114, 182)}
    for r, row in enumerate(rows):
        x = gx
        for k, units in enumerate(row):
            kw = units * u - 8
            top = accent.get((r, k), (232, 234, 242))
            side = tuple(int(c * 0.62) for c in top)
            rrect(d, (x, gy + r * u, x + kw, gy + r * u + u - 8), 12, fill=side + (255,))
            rrect(d, (x + 7, gy + r * u + 4, x + kw - 7, gy + r * u + u - 22), 9, fill=top + (255,))
            x += units * u
    # Knob top right.
    d.ellipse([x0 + bw - 90, y0 - 70, x0 + bw - 10, y0 + 10], fill=(60, 62, 80, 255))
    d.ellipse([x0 + bw - 78, y0 - 58, x0 + bw - 22, y0 - 2], fill=(120, 124, 146, 255))
    return compose(background(glow, 2), layer, glow, glow_radius=30)


def draw_headphones():
    from PIL import Image, ImageDraw

    w, h = W * SS, H * SS
    glow = hex_rgb("#F472B6")
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    cx, cy = w // 2, int(h * 0.52)
    # Headband: thick arc with a cushion.
    d.arc([cx - 330, cy - 380, cx + 330, cy + 260], 185, 355, fill=(44, 46, 64, 255), width=64)
    d.arc([cx - 306, cy - 356, cx + 306, cy + 236], 200, 340, fill=(236, 72, 153, 255), width=22)
    # Sliders.
    for s in (-1, 1):
        x = cx + s * 300
        rrect(d, (x - 18, cy - 110, x + 18, cy + 20), 10, fill=(190, 196, 210, 255))
    # Ear cups, cushions first (they sit on the inner side, behind the shells).
    for s in (-1, 1):
        inner = cx + s * 200
        rrect(d, (inner - 40, cy - 4, inner + 40, cy + 244), 40, fill=(18, 18, 28, 255))
    for s in (-1, 1):
        x = cx + s * 300
        rrect(d, (x - 105, cy - 20, x + 105, cy + 260), 90, fill=(30, 32, 46, 255))
        rrect(d, (x - 86, cy, x + 86, cy + 240), 76, fill=(58, 60, 82, 255))
        d.ellipse([x - 48, cy + 72, x + 48, cy + 168], outline=(244, 114, 182, 255), width=10)
        d.ellipse([x - 14, cy + 106, x + 14, cy + 134], fill=(244, 114, 182, 255))
    return compose(background(glow, 3), layer, glow)


def draw_drone():
    from PIL import Image, ImageDraw, ImageFilter

    w, h = W * SS, H * SS
    glow = hex_rgb("#3DDBD9")
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    cx, cy = w // 2, int(h * 0.48)
    dx, dy = 380, 230
    rotors = [(cx - dx, cy - dy), (cx + dx, cy - dy), (cx - dx, cy + dy), (cx + dx, cy + dy)]
    # Arms.
    for rx, ry in rotors:
        d.line([(cx, cy), (rx, ry)], fill=(54, 58, 76, 255), width=44)
    # Spinning rotor discs (translucent) on their own blurred layer.
    discs = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    dd = ImageDraw.Draw(discs)
    for rx, ry in rotors:
        dd.ellipse([rx - 170, ry - 56, rx + 170, ry + 56], fill=(180, 250, 248, 90))
        dd.ellipse([rx - 170, ry - 56, rx + 170, ry + 56], outline=(61, 219, 217, 200), width=6)
    discs = discs.filter(ImageFilter.GaussianBlur(3))
    # Motors.
    for rx, ry in rotors:
        d.ellipse([rx - 48, ry - 30, rx + 48, ry + 40], fill=(36, 38, 52, 255))
        d.ellipse([rx - 40, ry - 36, rx + 40, ry + 20], fill=(96, 100, 122, 255))
    layer = Image.alpha_composite(layer, discs)
    d = ImageDraw.Draw(layer)
    for rx, ry in rotors:
        d.line([(rx - 150, ry - 18), (rx + 150, ry + 18)], fill=(220, 230, 240, 230), width=10)
        d.ellipse([rx - 14, ry - 16, rx + 14, ry + 8], fill=(230, 232, 240, 255))
    # Body.
    rrect(d, (cx - 150, cy - 100, cx + 150, cy + 100), 60, fill=(228, 232, 240, 255))
    rrect(d, (cx - 120, cy - 76, cx + 120, cy + 40), 44, fill=(196, 202, 214, 255))
    # Camera gimbal.
    d.ellipse([cx - 60, cy + 60, cx + 60, cy + 170], fill=(30, 32, 44, 255))
    d.ellipse([cx - 30, cy + 88, cx + 30, cy + 142], fill=(61, 219, 217, 255))
    d.ellipse([cx - 12, cy + 104, cx + 6, cy + 120], fill=(230, 255, 255, 255))
    # Status LEDs.
    d.ellipse([cx - 100, cy - 40, cx - 80, cy - 20], fill=(52, 211, 153, 255))
    d.ellipse([cx + 80, cy - 40, cx + 100, cy - 20], fill=(248, 113, 113, 255))
    return compose(background(glow, 4), layer, glow, glow_radius=34)


def draw_hoodie():
    from PIL import Image, ImageDraw

    w, h = W * SS, H * SS
    glow = hex_rgb("#FBBF24")
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    cx, top = w // 2, 150
    body = (58, 52, 110, 255)
    dark = (40, 36, 82, 255)
    # Sleeves.
    for s in (-1, 1):
        d.polygon([(cx + s * 250, top + 100), (cx + s * 400, top + 330), (cx + s * 445, top + 680),
                   (cx + s * 320, top + 690), (cx + s * 276, top + 640), (cx + s * 250, top + 300)],
                  fill=dark)
    rrect(d, (cx - 455, top + 650, cx - 315, top + 715), 18, fill=(32, 28, 66, 255))
    rrect(d, (cx + 315, top + 650, cx + 455, top + 715), 18, fill=(32, 28, 66, 255))
    # Torso.
    d.polygon([(cx - 250, top + 100), (cx + 250, top + 100), (cx + 280, top + 700), (cx - 280, top + 700)],
              fill=body)
    rrect(d, (cx - 290, top + 660, cx + 290, top + 730), 20, fill=(44, 40, 90, 255))
    # Hood.
    d.ellipse([cx - 190, top - 60, cx + 190, top + 230], fill=dark)
    d.ellipse([cx - 130, top - 10, cx + 130, top + 210], fill=(18, 16, 40, 255))
    d.polygon([(cx - 190, top + 90), (cx + 190, top + 90), (cx + 120, top + 250), (cx - 120, top + 250)],
              fill=body)
    d.ellipse([cx - 130, top + 150, cx + 130, top + 260], fill=body)
    # Drawstrings.
    for s in (-1, 1):
        x = cx + s * 60
        d.line([(x, top + 220), (x + s * 8, top + 420)], fill=(245, 245, 250, 255), width=10)
        d.ellipse([x + s * 8 - 10, top + 414, x + s * 8 + 10, top + 440], fill=(251, 191, 36, 255))
    # Kangaroo pocket.
    d.polygon([(cx - 170, top + 470), (cx + 170, top + 470), (cx + 220, top + 640), (cx - 220, top + 640)],
              fill=(50, 45, 100, 255))
    d.line([(cx - 170, top + 470), (cx + 170, top + 470)], fill=(80, 74, 150, 255), width=6)
    # Glowing star logo on the chest.
    sx, sy = cx + 0, top + 330
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        r = 70 if i % 2 == 0 else 28
        pts.append((sx + r * math.cos(a), sy + r * math.sin(a)))
    d.polygon(pts, fill=(251, 191, 36, 255))
    return compose(background(glow, 5), layer, glow, glow_radius=32, glow_strength=0.7)


def draw_coffee():
    from PIL import Image, ImageDraw, ImageFilter

    w, h = W * SS, H * SS
    glow = hex_rgb("#FB923C")
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    cx = w // 2
    # Saucer.
    d.ellipse([cx - 330, 700, cx + 330, 800], fill=(200, 204, 216, 255))
    d.ellipse([cx - 280, 712, cx + 280, 776], fill=(232, 234, 242, 255))
    # Handle.
    d.ellipse([cx + 150, 400, cx + 330, 620], outline=(236, 238, 244, 255), width=40)
    # Cup body (tapered).
    d.polygon([(cx - 230, 330), (cx + 230, 330), (cx + 180, 720), (cx - 180, 720)], fill=(240, 242, 248, 255))
    d.ellipse([cx - 180, 690, cx + 180, 750], fill=(240, 242, 248, 255))
    # Shading on the right side.
    d.polygon([(cx + 130, 330), (cx + 230, 330), (cx + 180, 720), (cx + 110, 720)], fill=(206, 210, 224, 255))
    # Sleeve band with the conference colour.
    d.polygon([(cx - 218, 420), (cx + 218, 420), (cx + 200, 560), (cx - 200, 560)], fill=(251, 146, 60, 255))
    d.polygon([(cx - 214, 450), (cx + 214, 450), (cx + 210, 470), (cx - 210, 470)], fill=(253, 186, 116, 255))
    # Rim and coffee surface.
    d.ellipse([cx - 232, 296, cx + 232, 364], fill=(226, 228, 236, 255))
    d.ellipse([cx - 206, 306, cx + 206, 356], fill=(92, 52, 26, 255))
    d.ellipse([cx - 120, 318, cx + 120, 346], fill=(196, 140, 90, 255))
    d.ellipse([cx - 60, 324, cx + 60, 340], fill=(226, 186, 140, 255))
    # Steam wisps on a blurred layer.
    steam = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    sd = ImageDraw.Draw(steam)
    for k, off in enumerate((-90, 0, 90)):
        pts = [(cx + off + 30 * math.sin(t / 28 + k * 2), 280 - t) for t in range(0, 210, 6)]
        sd.line(pts, fill=(255, 236, 220, 170), width=16, joint="curve")
    steam = steam.filter(ImageFilter.GaussianBlur(6))
    layer = Image.alpha_composite(layer, steam)
    return compose(background(glow, 6), layer, glow, glow_radius=36, glow_strength=0.75)


PHOTOS = {
    "macbook-air": draw_laptop,
    "keyboard": draw_keyboard,
    "headphones": draw_headphones,
    "drone": draw_drone,
    "hoodie": draw_hoodie,
    "coffee": draw_coffee,
}


def write_photos():
    PRIZES_DIR.mkdir(parents=True, exist_ok=True)
    for pid, fn in PHOTOS.items():
        img = fn()
        path = PRIZES_DIR / f"{pid}.jpg"
        img.save(path, "JPEG", quality=85, optimize=True, progressive=False)
        size = path.stat().st_size
        assert size < 80 * 1024, f"{path} is {size} bytes"


def main(argv):
    sched = build_schedule()
    check_schedule(sched)
    assert {p["id"] for p in PRIZES} == set(PHOTOS)
    write_json(SAMPLE / "event.json", EVENT)
    write_json(SAMPLE / "schedule.json", sched)
    write_json(SAMPLE / "messages.json", MESSAGES)
    write_json(SAMPLE / "draw.json", build_draw())
    write_json(SAMPLE / "game.json", GAME)
    if "--no-images" not in argv:
        write_photos()


if __name__ == "__main__":
    main(sys.argv[1:])
