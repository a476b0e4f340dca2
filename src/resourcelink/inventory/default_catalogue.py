"""The item catalogue every station starts with: what emergencies bring.

Each entry: code, Chinese name, English name, category code (from the
default category tree, ``taxonomy/default_tree.py``), unit, pack size.
Admins edit the catalogue afterwards; reinstalling adds only missing codes.
"""

DEFAULT_ITEMS = (
    ("masks", "医用口罩", "Medical masks", "protection.masks", "只", 50),
    ("protective_clothing", "防护服", "Protective clothing", "protection.clothing", "件", 1),
    ("gloves", "防护手套", "Protective gloves", "protection.gloves", "副", 100),
    ("raincoats", "雨衣", "Raincoats", "protection.raincoats", "件", 1),
    ("fans", "电风扇", "Electric fans", "daily.cooling", "台", 1),
    ("drinking_water", "饮用水", "Drinking water", "water.bottled", "箱", 1),
    ("drinks", "饮料", "Drinks", "water.drinks", "瓶", 24),
    ("disinfectant", "消毒液", "Disinfectant", "protection.disinfectant", "瓶", 12),
    ("food_parcel", "食品包", "Food parcels", "food.parcel", "份", 1),
    ("rice", "大米", "Rice", "food.staple", "袋", 1),
    ("cooking_oil", "食用油", "Cooking oil", "food.staple", "桶", 1),
    ("medicine_kit", "药品包", "Medicine kits", "medical.medicines", "盒", 1),
)
