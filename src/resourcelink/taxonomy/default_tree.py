"""The default category tree every station starts with.

Codes are stable identifiers (used by imports, exports and the API); names can
be changed by a station's admins. Each entry: (code, Chinese name, English
name, children).
"""

DEFAULT_TREE = [
    ("food", "食品", "Food", [
        ("food.staple", "主食粮油", "Staple food and cooking oil", []),
        ("food.fresh", "蔬菜肉蛋", "Vegetables, meat and eggs", []),
        ("food.parcel", "食品包", "Food parcels", []),
        ("food.infant", "婴幼儿食品", "Infant food", []),
    ]),
    ("water", "饮用水和饮料", "Drinking water and drinks", [
        ("water.bottled", "瓶装水", "Bottled water", []),
        ("water.drinks", "饮料", "Drinks", []),
    ]),
    ("medical", "药品和医疗", "Medicines and medical care", [
        ("medical.medicines", "药品", "Medicines", []),
        ("medical.chronic", "慢病用药", "Chronic illness medication", []),
        ("medical.equipment", "医疗器械", "Medical equipment", []),
        ("medical.care", "就医协助", "Help to see a doctor", []),
    ]),
    ("protection", "防护用品", "Protective equipment", [
        ("protection.masks", "口罩", "Masks", []),
        ("protection.clothing", "防护服", "Protective clothing", []),
        ("protection.gloves", "手套", "Gloves", []),
        ("protection.disinfectant", "消毒用品", "Disinfectant", []),
        ("protection.raincoats", "雨衣", "Raincoats", []),
    ]),
    ("daily", "生活用品", "Daily necessities", [
        ("daily.hygiene", "清洁洗护", "Hygiene products", []),
        ("daily.clothing", "衣物被褥", "Clothing and bedding", []),
        ("daily.cooling", "防暑降温", "Fans and cooling", []),
    ]),
    ("money", "资金", "Money", [
        ("money.hardship", "困难补助", "Hardship grant", []),
        ("money.solatium", "慰问金", "Solatium", []),
    ]),
    ("care", "照护服务", "Care services", [
        ("care.visit", "上门探访", "Home visit", []),
        ("care.haircut", "理发", "Haircut", []),
        ("care.bathing", "助浴", "Bathing", []),
        ("care.meals", "送餐", "Meal delivery", []),
    ]),
    ("health", "健康服务", "Health services", [
        ("health.clinic", "义诊", "Free clinic", []),
        ("health.testing", "检测", "Testing", []),
        ("health.vaccination", "疫苗接种", "Vaccination", []),
    ]),
    ("mental", "心理健康与辅导", "Mental health and counselling", []),
    ("transport", "交通与陪同", "Transport and escort", [
        ("transport.ride", "出行接送", "Rides", []),
        ("transport.escort", "陪同就医办事", "Escort", []),
    ]),
    ("housing", "住房与安置", "Housing and shelter", [
        ("housing.shelter", "临时安置", "Temporary shelter", []),
        ("housing.repair", "房屋维修", "Home repair", []),
    ]),
    ("education", "教育与托育", "Education and child care", [
        ("education.tutoring", "课业辅导", "Tutoring", []),
        ("education.childcare", "托育看护", "Child care", []),
    ]),
    ("legal", "法律援助", "Legal aid", []),
    ("employment", "就业", "Employment", [
        ("employment.jobs", "岗位信息", "Job offers", []),
        ("employment.training", "技能培训", "Skills training", []),
    ]),
    ("information", "信息与数字帮助", "Information and digital help", [
        ("information.digital", "智能手机帮助", "Smartphone help", []),
        ("information.notices", "政策与通知", "Policies and notices", []),
    ]),
    ("venues", "场地与空间", "Venues and spaces", [
        ("venues.meeting", "活动场地", "Meeting rooms", []),
        ("venues.storage", "仓储空间", "Storage space", []),
    ]),
    ("volunteers", "志愿人力", "Volunteer manpower", [
        ("volunteers.general", "一般志愿者", "General volunteers", []),
        ("volunteers.professional", "专业志愿者", "Professional volunteers", []),
    ]),
]


def walk(tree=DEFAULT_TREE, parent_code=None):
    """Yield (code, zh, en, parent_code, order) in parent-first order."""
    for order, (code, zh, en, children) in enumerate(tree):
        yield code, zh, en, parent_code, order
        yield from walk(children, code)
