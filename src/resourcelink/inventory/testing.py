"""Helpers for tests of any app that needs items, stores and stock.

They call the services with ``check=False`` (no actor needed), so a test
sets up stock the way the application writes it.
"""

import itertools

from .models import Item, Lot, Store
from .services import lot_receive, store_create

_counter = itertools.count(1)


def get_item(station, code: str = "masks") -> Item:
    """An item of the station's default catalogue, by code."""
    return Item.objects.get(station=station, code=code)


def make_store(station, name: str = "", **fields) -> Store:
    return store_create(actor=None, station=station, name=name or f"测试仓库{next(_counter)}", check=False,
                        **fields)


def make_lot(store: Store, item: Item | str = "masks", quantity: int = 100, **fields) -> Lot:
    """A lot received into ``store``; ``item`` may be a catalogue code."""
    if isinstance(item, str):
        item = get_item(store.station_id, item)
    return lot_receive(actor=None, store=store, item=item, quantity=quantity, check=False, **fields)
