"""Deterministic catalog and order data: the same seed and `now` always give the same world."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from .codes import STEP_NEW, STEP_PREPARING, fmt_dttm
from .model import Ids, Item, Line, Product, Shop, Supplier, World, parse_allowed_ips

DEMO_SUPPLIER = {"apiKey": "demo-lotteon-api-key", "trNo": "LO10000001", "trNm": "스마트십 데모상점"}
OTHER_SUPPLIER = {"apiKey": "other-lotteon-api-key", "trNo": "LO20000002", "trNm": "다른상점"}

# (epdNo stem, name, category, base price, option axes or None for a single product, stkMgtYn)
_Axis = tuple[str, list[tuple[str, str]]]
CATALOG: list[tuple[str, str, str, int, list[_Axis] | None, str]] = [
    ("TSHIRT", "베이직 라운드 반팔 티셔츠", "FA0101", 12900,
     [("색상", [("BLK", "블랙"), ("WHT", "화이트"), ("NVY", "네이비")]),
      ("사이즈", [("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL")])], "Y"),
    ("HOODIE", "오버핏 기모 후드 집업", "FA0102", 39900,
     [("색상", [("GRY", "그레이"), ("BLK", "블랙")]), ("사이즈", [("M", "M"), ("L", "L"), ("XL", "XL")])], "Y"),
    ("SLACKS", "데일리 와이드 슬랙스", "FA0103", 29900,
     [("색상", [("BEG", "베이지"), ("BLK", "블랙")]),
      ("사이즈", [("28", "28"), ("30", "30"), ("32", "32"), ("34", "34")])], "Y"),
    ("DRESS", "린넨 셔츠 원피스", "FA0104", 45000,
     [("색상", [("IVR", "아이보리"), ("KHK", "카키")]), ("사이즈", [("FREE", "FREE")])], "Y"),
    ("RUNSHOE", "쿠셔닝 러닝화", "FA0201", 69000,
     [("사이즈", [("240", "240"), ("250", "250"), ("260", "260"), ("270", "270"), ("280", "280")])], "Y"),
    ("PHCASE", "투명 젤리 스마트폰 케이스", "DI0101", 9900,
     [("기종", [("IP15", "아이폰 15"), ("IP15P", "아이폰 15 Pro"), ("GS24", "갤럭시 S24")])], "Y"),
    ("TUMBLER", "스테인리스 진공 텀블러 500ml", "LI0101", 18900,
     [("색상", [("SLV", "실버"), ("MNT", "민트"), ("PNK", "핑크")])], "Y"),
    ("TOWEL", "호텔식 순면 수건 5매 세트", "LI0201", 24900,
     [("색상", [("WHT", "화이트"), ("GRY", "그레이")])], "Y"),
    ("BLANKET", "극세사 사계절 이불", "LI0301", 59000,
     [("사이즈", [("SS", "슈퍼싱글"), ("Q", "퀸"), ("K", "킹")])], "Y"),
    ("UMBRELLA", "3단 자동 접이식 우산", "LI0401", 15900,
     [("색상", [("BLK", "블랙"), ("NVY", "네이비"), ("BRG", "버건디")])], "Y"),
    ("BACKPACK", "데일리 노트북 백팩", "FA0301", 49000,
     [("색상", [("BLK", "블랙"), ("CHC", "차콜")])], "Y"),
    ("CHICKEN", "저염 닭가슴살 스테이크 10팩", "FO0101", 21900,
     [("맛", [("ORG", "오리지널"), ("GRL", "갈릭"), ("HOT", "청양")])], "Y"),
    ("SOCKS", "키즈 캐릭터 양말 5족 세트", "FA0401", 8900,
     [("사이즈", [("S", "S (13-15cm)"), ("M", "M (16-18cm)"), ("L", "L (19-21cm)")])], "Y"),
    ("TEA", "제주 허브티 선물세트", "FO0201", 12000,
     [("구성", [("10T", "10티백"), ("30T", "30티백")])], "Y"),
    ("EARBUDS-01", "무선 블루투스 이어폰 노이즈캔슬링", "DI0201", 89000, None, "Y"),
    ("TANGERINE-5KG", "제주 노지 감귤 5kg", "FO0301", 23900, None, "Y"),
    ("RICE-BROWN-10KG", "국내산 햇 현미 10kg", "FO0401", 32900, None, "Y"),
    ("VITAC-120", "비타민C 1000mg 120정", "HE0101", 15800, None, "Y"),
    ("CHARGER-15W", "고속 무선 충전 패드 15W", "DI0301", 19900, None, "Y"),
    ("MUG-ENGRAVE", "이니셜 각인 머그컵", "LI0501", 16000, None, "N"),
]

SINGLE_ITEM_NAME = "단일옵션"

_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍전고문양손배백허유남심노하곽성차주우구민진나"
_GIVEN = [
    "민준", "서연", "지우", "하은", "도윤", "서준", "지민", "수빈", "예준", "하준", "지호", "유진", "현우",
    "다은", "은서", "시우", "채원", "준서", "지아", "윤서", "건우", "소율", "우진", "예린", "정훈", "미경",
    "영수", "순자", "성민", "혜진", "동현", "수연", "재원", "가은", "태윤",
]
_EMAIL_IDS = ["sky", "blue", "happy", "mint", "star", "moon", "river", "sunny", "daily", "green"]
# (zip, road address) pairs; the detail part (building/unit) is drawn separately.
_ADDRESSES = [
    ("06236", "서울특별시 강남구 테헤란로 152"),
    ("06164", "서울특별시 강남구 테헤란로 521"),
    ("06035", "서울특별시 강남구 가로수길 43"),
    ("04524", "서울특별시 중구 세종대로 110"),
    ("03154", "서울특별시 종로구 종로 1"),
    ("05551", "서울특별시 송파구 올림픽로 300"),
    ("07327", "서울특별시 영등포구 여의대로 108"),
    ("04050", "서울특별시 마포구 양화로 160"),
    ("02841", "서울특별시 성북구 안암로 145"),
    ("08826", "서울특별시 관악구 관악로 1"),
    ("13529", "경기도 성남시 분당구 판교역로 166"),
    ("16677", "경기도 수원시 영통구 광교중앙로 140"),
    ("10881", "경기도 파주시 회동길 145"),
    ("14055", "경기도 안양시 동안구 시민대로 235"),
    ("21999", "인천광역시 연수구 센트럴로 160"),
    ("48058", "부산광역시 해운대구 센텀중앙로 79"),
    ("47285", "부산광역시 부산진구 중앙대로 672"),
    ("41585", "대구광역시 북구 대학로 80"),
    ("61452", "광주광역시 동구 금남로 245"),
    ("34126", "대전광역시 유성구 대학로 291"),
    ("44677", "울산광역시 남구 삼산로 261"),
    ("30103", "세종특별자치시 한누리대로 2130"),
    ("28644", "충청북도 청주시 서원구 충대로 1"),
    ("54896", "전북특별자치도 전주시 덕진구 백제대로 567"),
    ("63309", "제주특별자치도 제주시 첨단로 242"),
    ("63534", "제주특별자치도 서귀포시 중문관광로 72"),
]
_DETAILS = ["101동 1203호", "203동 502호", "3층 301호", "B동 402호", "1층", "12층 1201호", "505호", "2층 우측"]
_MESSAGES = [
    "", "", "", "문 앞에 놓아주세요", "부재 시 경비실에 맡겨주세요", "배송 전 연락 바랍니다",
    "택배함에 넣어주세요", "파손 주의 부탁드립니다", "공동현관 비밀번호 #1234",
]
_COURIER_MIX = [("0002", 50), ("0001", 20), ("0004", 10), ("0006", 10), ("0005", 10)]
_CANCEL_REASONS = [("101", "단순 변심"), ("102", "주문 실수"), ("103", "배송 지연"), ("104", "다른 상품으로 재주문")]
BASE_PRICE_STEP = 100

# 209 row field order, by the groups of API.md §5.2.
ROW_DEFAULTS: dict[str, Any] = {
    "odNo": "", "odSeq": "1", "procSeq": "1", "orglProcSeq": "", "clmNo": "",
    "odTypCd": "10", "odTypDtlCd": "", "dvRtrvDvsCd": "DV", "odPrgsStepCd": STEP_NEW,
    "odCmptDttm": "", "owhoDttm": "", "rtrpSiDttm": "", "chNo": "", "chDtlNo": "", "odSlTypCd": "",
    "xchgDvsCd": "", "clmRsnCd": "", "clmRsnCnts": "", "imptDvsCd": "",
    "trNo": "", "trNm": "", "lrtrNo": "", "lrtrNm": "",
    "odrNm": "", "mphnNo": "", "telNo": "", "emlAddr": "",
    "ctrtTypCd": "", "dvPdTypCd": "", "spdNo": "", "epdNo": "", "spdNm": "", "sitmNo": "", "eitmNo": "",
    "sitmNm": "", "pdAdtnOptJsn": "",
    "slPrc": 0, "odQty": 1, "slAmt": 0, "prSfcoShrAmtSum": 0, "prEntpShrAmtSum": 0, "sptDcPgmCmsnSum": 0,
    "fvrAmtSum": 0, "actualAmt": 0,
    "cmbnDvPsbYn": "Y", "cmbnDvGrpNo": "", "dvMnsCd": "", "hpDvDttm": "", "dmstOvsDvDvsCd": "",
    "indvCstmPclrNo": "", "brkHmapPkcpYn": "N", "dvMsg": "", "dvRsvDvsCd": "", "dvCst": 0, "odCstTypCd": "",
    "adtnDvCst": 0,
    "dvpCustNm": "", "dvpEmlAddr": "", "dvpTelNo": "", "dvpMphnNo": "", "sftNo": "", "dvpZipNo": "",
    "dvpStnmZipAddr": "", "dvpStnmDtlAddr": "",
    "pprCrdMsgYn": "N", "pprCrdMsg": "", "pprCrdSndpNm": "", "pprCrdRcvrNm": "",
}
# Fields an admin order may override (orderer, recipient, delivery message, gift card).
OVERRIDABLE = frozenset(
    ["odrNm", "mphnNo", "telNo", "emlAddr", "dvMsg", "pprCrdMsgYn", "pprCrdMsg", "pprCrdSndpNm", "pprCrdRcvrNm"]
    + [name for name in ROW_DEFAULTS if name.startswith("dvp")]
    + ["sftNo"]
)
FREE_SHIPPING_FROM = 30000
SHIPPING_FEE = 3000
ISLAND_FEE = 3000


def make_supplier(entry: dict[str, Any]) -> Supplier:
    allowed, networks = parse_allowed_ips(entry.get("allowedIps"))
    return Supplier(
        apiKey=str(entry["apiKey"]),
        trNo=str(entry.get("trNo") or ""),
        trNm=str(entry.get("trNm") or "LotteON 샌드박스 상점"),
        trGrpCd=str(entry.get("trGrpCd") or "SR"),
        trDvsCd=str(entry.get("trDvsCd") or "01"),
        allowedIps=allowed,
        expired=bool(entry.get("expired", False)),
        networks=networks,
    )


def _dt(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(0, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randint(0, span))


def build_catalog(world: World, shop: Shop, rng: random.Random, now: datetime) -> None:
    """~20 products: most with options (`eitmNo` like TSHIRT-BLK-M), some single (`epdNo` only)."""
    approval_odd = rng.sample(range(len(CATALOG)), 2)
    for index, (stem, name, cat, base_price, axes, stk_mgt) in enumerate(CATALOG):
        price = base_price + rng.randint(-5, 5) * BASE_PRICE_STEP
        combos: list[list[tuple[str, str, str]]] = [[]]
        for axis_name, values in axes or []:
            combos = [combo + [(axis_name, code, label)] for combo in combos for code, label in values]
        spd_no, sitm_nos = world.ids.product(len(combos))
        reg = _dt(rng, now - timedelta(days=400), now - timedelta(days=30))
        product = Product(
            spdNo=spd_no,
            epdNo=stem,
            spdNm=name,
            trNo=shop.trNo,
            scatNo=cat,
            regDttm=fmt_dttm(reg),
            slStrtDttm=fmt_dttm(reg),
            slEndDttm="29991231235959",
            stkMgtYn=stk_mgt,
        )
        if index == approval_odd[0]:
            product.pdInfoAprvStatCd, product.fnlAprvYn = "APRV_WT", "N"
        elif index == approval_odd[1]:
            product.pdInfoAprvStatCd, product.fnlAprvYn = "GVBK", "N"
            product.pdInfoGvbkRsnCnts = "상품 상세 이미지에 연락처가 포함되어 있습니다."
        for seq, (combo, sitm_no) in enumerate(zip(combos, sitm_nos, strict=True), start=1):
            stock = 0 if rng.random() < 0.08 else rng.randint(3, 150)
            extra = 2000 if any(code in ("XL", "K", "34", "30T") for _, code, _ in combo) else 0
            item = Item(
                sitmNo=sitm_no,
                eitmNo="-".join([stem] + [code for _, code, _ in combo]) if combo else "",
                sitmNm=" / ".join(label for _, _, label in combo) if combo else SINGLE_ITEM_NAME,
                options=combo,
                slPrc=price + extra,
                stkQty=stock if stk_mgt == "Y" else 0,
                sortSeq=seq,
            )
            if stk_mgt == "Y" and stock == 0:
                item.slStatCd, item.slStatRsnCd = "SOUT", "SOUT_STK"
            product.items.append(item)
        shop.add_product(product)


def _person(rng: random.Random) -> tuple[str, str, str]:
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
    phone = f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}"
    email = f"{rng.choice(_EMAIL_IDS)}{rng.randint(1, 9999)}@example.com"
    return name, phone, email


def random_party(rng: random.Random) -> dict[str, Any]:
    """Orderer and recipient fields of one order."""
    odr_nm, odr_phone, odr_email = _person(rng)
    if rng.random() < 0.7:
        dvp_nm, dvp_phone, dvp_email = odr_nm, odr_phone, odr_email
    else:
        dvp_nm, dvp_phone, dvp_email = _person(rng)
    zip_no, road = rng.choice(_ADDRESSES)
    gift = rng.random() < 0.05
    return {
        "odrNm": odr_nm,
        "mphnNo": odr_phone,
        "telNo": f"02-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}" if rng.random() < 0.2 else "",
        "emlAddr": odr_email,
        "dvpCustNm": dvp_nm,
        "dvpEmlAddr": dvp_email,
        "dvpTelNo": "",
        "dvpMphnNo": dvp_phone,
        "sftNo": f"0504-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}" if rng.random() < 0.3 else "",
        "dvpZipNo": zip_no,
        "dvpStnmZipAddr": road,
        "dvpStnmDtlAddr": rng.choice(_DETAILS),
        "dvMsg": rng.choice(_MESSAGES),
        "pprCrdMsgYn": "Y" if gift else "N",
        "pprCrdMsg": "생일 축하해! 항상 고마워." if gift else "",
        "pprCrdSndpNm": odr_nm if gift else "",
        "pprCrdRcvrNm": dvp_nm if gift else "",
    }


def build_order_lines(
    world: World,
    shop: Shop,
    picks: list[tuple[Product, Item, int]],
    *,
    od_no: str,
    od_cmpt: str,
    owho: str,
    party: dict[str, Any],
    rng: random.Random,
    discounts: bool = True,
) -> list[Line]:
    """The lines of one order, sharing `odNo` and one combined-shipping group."""
    group = world.ids.group()
    total = sum(item.slPrc * qty for _, item, qty in picks)
    island = party.get("dvpStnmZipAddr", "").startswith("제주")
    lines = []
    for seq, (product, item, qty) in enumerate(picks, start=1):
        row = dict(ROW_DEFAULTS)
        row.update(party)
        sl_amt = item.slPrc * qty
        lotte_dc = 1000 * qty if discounts and rng.random() < 0.15 else 0
        seller_dc = (sl_amt // 10 // 10) * 10 if discounts and rng.random() < 0.1 else 0
        row.update(
            odNo=od_no, odSeq=str(seq), odCmptDttm=od_cmpt, owhoDttm=owho,
            trNo=shop.trNo, trNm=shop.trNm,
            spdNo=product.spdNo, epdNo=product.epdNo, spdNm=product.spdNm,
            sitmNo=item.sitmNo, eitmNo=item.eitmNo, sitmNm=item.sitmNm,
            slPrc=item.slPrc, odQty=qty, slAmt=sl_amt,
            prSfcoShrAmtSum=lotte_dc, prEntpShrAmtSum=seller_dc, fvrAmtSum=lotte_dc + seller_dc,
            actualAmt=sl_amt - lotte_dc - seller_dc,
            cmbnDvGrpNo=group,
            dvCst=(SHIPPING_FEE if total < FREE_SHIPPING_FROM else 0) if seq == 1 else 0,
            adtnDvCst=ISLAND_FEE if island and seq == 1 else 0,
        )
        line = Line(row=row, product=product, item=item, ordered_qty=qty)
        line.event(owho, "delivery instruction created", "generated")
        lines.append(line)
    return lines


def random_invoice(rng: random.Random, dv_co_cd: str) -> str:
    digits = 13 if dv_co_cd == "0004" else 12
    return "".join(str(rng.randint(0, 9)) for _ in range(digits))


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def build_orders(world: World, shop: Shop, rng: random.Random, now: datetime, lines: int, days: int) -> None:
    """`lines` lines with owhoDttm spread over `days` days ending at `now`, in a mix of live states."""
    orderable = [
        (product, item)
        for product in shop.products
        if product.fnlAprvYn == "Y"
        for item in product.items
    ]
    if not orderable or lines <= 0:
        return
    span = timedelta(days=max(days, 1))
    start = now - span
    sizes = []
    total = 0
    while total < lines:
        sizes.append(min(lines - total, 1 if rng.random() < 0.75 else rng.randint(2, 3)))
        total += sizes[-1]
    # Orders are numbered in the order they were placed, as LotteON's odNo grows over time.
    times = []
    for _ in sizes:
        owho_dt = _dt(rng, start, now - timedelta(minutes=1))
        od_dt = owho_dt - timedelta(minutes=rng.randint(1, 60 * 18 if rng.random() < 0.2 else 90))
        times.append((od_dt, owho_dt))
    times.sort()
    for n, (od_dt, owho_dt) in zip(sizes, times, strict=True):
        picks = []
        for product, item in rng.sample(orderable, n):
            qty = 1 if rng.random() < 0.8 else rng.randint(2, 4)
            picks.append((product, item, qty))
        owho = fmt_dttm(owho_dt)
        od_no = world.ids.order(fmt_dttm(od_dt)[:8])
        order_lines = build_order_lines(
            world, shop, picks, od_no=od_no, od_cmpt=fmt_dttm(od_dt), owho=owho, party=random_party(rng), rng=rng
        )
        for line in order_lines:
            shop.add_line(line, sort=False)
        world.order_shop[od_no] = shop
        _advance(world, shop, rng, order_lines, owho_dt, now, span)
    shop.sort_days()


def _advance(
    world: World, shop: Shop, rng: random.Random, lines: list[Line], owho_dt: datetime, now: datetime,
    span: timedelta,
) -> None:
    """Move a generated order on to a live state; older orders are further along."""
    age = now - owho_dt
    age_frac = min(1.0, age / span)
    roll = rng.random()
    if roll < 0.08:
        at = fmt_dttm(_dt(rng, owho_dt, min(now, owho_dt + timedelta(hours=3))))
        rsn_cd, rsn = rng.choice(_CANCEL_REASONS)
        shop.cancel([(line, line.row["odQty"]) for line in lines], world.ids.claim(at[:8]), at, rsn_cd, rsn,
                    "generated")
        return
    roll = rng.random()
    if roll < 0.9 - 0.5 * age_frac:
        partial = [line for line in lines if line.row["odQty"] > 1]
        if partial and rng.random() < 0.15:
            at = fmt_dttm(_dt(rng, owho_dt, min(now, owho_dt + timedelta(hours=3))))
            rsn_cd, rsn = rng.choice(_CANCEL_REASONS)
            shop.cancel([(partial[0], 1)], world.ids.claim(at[:8]), at, rsn_cd, rsn, "generated")
        return
    linked_dt = _dt(rng, owho_dt, min(now, owho_dt + timedelta(hours=6)))
    linked = fmt_dttm(linked_dt)
    for line in lines:
        shop.link(line, "Y", "", linked, "generated")
    if roll < 0.9 - 0.5 * age_frac + 0.12 + 0.1 * age_frac:
        return
    shipped = fmt_dttm(_dt(rng, linked_dt, min(now, linked_dt + timedelta(hours=30))))
    dv_co_cd = _weighted(rng, _COURIER_MIX)
    invc_no = random_invoice(rng, dv_co_cd)
    for line in lines:
        shop.ship(line, dv_co_cd, invc_no, 1, shipped, shipped, "generated")


def build_world(
    *, seed: int, lines: int, days: int, suppliers: list[dict[str, Any]] | None, now: datetime
) -> World:
    """Suppliers, one catalog per supplier number and `lines` order lines per supplier number."""
    world = World(random.Random(f"lotteon-sandbox:{seed}"))
    entries = suppliers if suppliers is not None else [DEMO_SUPPLIER, OTHER_SUPPLIER]
    for entry in entries:
        supplier = make_supplier(entry)
        if not supplier.trNo:
            supplier.trNo = next_tr_no(world)
        world.suppliers[supplier.apiKey] = supplier
        if supplier.trNo not in world.shops:
            add_shop(world, supplier, seed=seed, now=now)
    for shop in world.shops.values():
        build_orders(world, shop, random.Random(f"lotteon-sandbox:{seed}:{shop.trNo}:orders"), now, lines, days)
    # After every shop's orders, with draws of their own: the orders above stay what they were before
    # requests were generated.
    for shop in world.shops.values():
        open_requests(world, shop, random.Random(f"lotteon-sandbox:{seed}:{shop.trNo}:requests"), now)
    return world


def open_requests(world: World, shop: Shop, rng: random.Random, now: datetime) -> None:
    """A few buyers ask to cancel an order already in product preparation (50 step 02), made in the last
    two hours and not answered yet: about one order in fifty of those, at least one when there is any."""
    preparing = [lines for lines in shop.orders.values()
                 if lines and all(line.step == STEP_PREPARING and not line.is_retrieval for line in lines)]
    if not preparing:
        return
    for lines in rng.sample(preparing, max(1, len(preparing) // 50)):
        at = fmt_dttm(now - timedelta(minutes=rng.randint(5, 120)))
        rsn_cd, rsn = rng.choice(_CANCEL_REASONS)
        shop.request_cancel([(line, line.row["odQty"]) for line in lines], world.ids.claim(at[:8]), at, rsn_cd, rsn,
                            "generated")


def add_shop(world: World, supplier: Supplier, *, seed: int, now: datetime) -> Shop:
    shop = Shop(supplier.trNo, supplier.trNm)
    world.shops[supplier.trNo] = shop
    # The catalog's random draws depend on the supplier number, not on the order suppliers were listed in;
    # only the id sequence is shared, so ids stay unique across suppliers.
    build_catalog(world, shop, random.Random(f"lotteon-sandbox:{seed}:{supplier.trNo}:catalog"), now)
    return shop


def next_tr_no(world: World) -> str:
    n = 30000003
    while f"LO{n}" in world.shops:
        n += 1
    return f"LO{n}"


__all__ = ["Ids", "build_world", "build_order_lines", "random_party", "add_shop", "make_supplier", "open_requests"]
