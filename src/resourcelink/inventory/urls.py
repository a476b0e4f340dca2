from django.urls import path

from . import views

app_name = "inventory"
urlpatterns = [
    path("", views.stock, name="stock"),
    path("stock.xlsx", views.stock_export, name="stock_export"),
    path("lots/", views.lot_list, name="lot_list"),
    path("lots/<int:pk>/", views.lot_detail, name="lot_detail"),
    path("lots/<int:pk>/transfer/", views.lot_transfer, name="lot_transfer"),
    path("lots/<int:pk>/adjust/", views.lot_adjust, name="lot_adjust"),
    path("lots/<int:pk>/write-off/", views.lot_write_off, name="lot_write_off"),
    path("lots/<int:pk>/issue/", views.lot_issue, name="lot_issue"),
    path("lots/<int:pk>/return/", views.lot_return, name="lot_return"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("stores/", views.store_list, name="store_list"),
    path("stores/new/", views.store_create, name="store_create"),
    path("stores/<int:pk>/", views.store_detail, name="store_detail"),
    path("stores/<int:pk>/edit/", views.store_edit, name="store_edit"),
    path("stores/<int:pk>/archive/", views.store_archive, name="store_archive"),
    path("items/", views.item_list, name="item_list"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/import/", views.item_import, name="item_import"),
    path("items/catalogue.xlsx", views.catalogue_export, name="catalogue_export"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/archive/", views.item_archive, name="item_archive"),
    path("stocktakes/", views.stocktake_list, name="stocktake_list"),
    path("stocktakes/new/", views.stocktake_open, name="stocktake_open"),
    path("stocktakes/<int:pk>/", views.stocktake_detail, name="stocktake_detail"),
    path("stocktakes/<int:pk>/sheet/", views.stocktake_sheet, name="stocktake_sheet"),
    path("stocktakes/<int:pk>/count/", views.stocktake_count, name="stocktake_count"),
    path("stocktakes/<int:pk>/confirm/", views.stocktake_confirm, name="stocktake_confirm"),
    path("stocktakes/<int:pk>/cancel/", views.stocktake_cancel, name="stocktake_cancel"),
]
