"""The demo manufacturer and its plant: the one place they are defined.

Atelier Nord makes furniture, apparel, food and metal goods to order in one plant: a small
but realistic mix of machines, stations and skilled people on weekly shift calendars.
"""

from __future__ import annotations

from typing import Any

TENANT = {"slug": "atelier-nord", "name": "Atelier Nord", "currency": "EUR"}

PLANT = {"code": "main", "name": "Atelier Nord — Leipzig works", "timezone": "Europe/Berlin"}

_WEEKDAYS = range(0, 5)  # Monday..Friday

HOLIDAYS_2026_2027 = ["2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31", "2027-01-01"]

CALENDARS: list[dict[str, Any]] = [
    {
        "code": "two-shift",
        "name": "Two shifts, Monday to Friday",
        "shifts": [
            *({"weekday": d, "start": "06:00", "end": "14:00"} for d in _WEEKDAYS),
            *({"weekday": d, "start": "14:00", "end": "22:00"} for d in _WEEKDAYS),
        ],
        "holidays": HOLIDAYS_2026_2027,
    },
    {
        "code": "day",
        "name": "Day shift with lunch break, Monday to Friday",
        "shifts": [
            *({"weekday": d, "start": "08:00", "end": "12:00"} for d in _WEEKDAYS),
            *({"weekday": d, "start": "12:30", "end": "16:30"} for d in _WEEKDAYS),
        ],
        "holidays": HOLIDAYS_2026_2027,
    },
    {
        "code": "bakery",
        "name": "Early bakery shift, Monday to Saturday",
        "shifts": [{"weekday": d, "start": "04:00", "end": "12:00"} for d in range(0, 6)],
        "holidays": ["2026-12-25", "2027-01-01"],
    },
]

# code, name, kind, capacity, calendar, groups (skills the job templates ask for) and the
# changeover time when the setup family (fabric, colour, metal) changes
RESOURCES: list[dict[str, Any]] = [
    {
        "code": "CUT-1",
        "name": "Cutting table",
        "kind": "station",
        "capacity": 1,
        "calendar": "two-shift",
        "groups": ["cutting"],
    },
    {
        "code": "CNC-1",
        "name": "CNC router",
        "kind": "machine",
        "capacity": 1,
        "calendar": "two-shift",
        "groups": ["cnc", "cutting"],
    },
    {
        "code": "SEW-1",
        "name": "Sewing station 1",
        "kind": "station",
        "capacity": 1,
        "calendar": "day",
        "groups": ["sewing"],
    },
    {
        "code": "SEW-2",
        "name": "Sewing station 2",
        "kind": "station",
        "capacity": 1,
        "calendar": "day",
        "groups": ["sewing"],
    },
    {
        "code": "SEW-3",
        "name": "Sewing station 3 (embroidery)",
        "kind": "station",
        "capacity": 1,
        "calendar": "day",
        "groups": ["sewing", "embroidery"],
    },
    {
        "code": "UPH-1",
        "name": "Upholstery bench",
        "kind": "station",
        "capacity": 1,
        "calendar": "day",
        "groups": ["upholstery"],
    },
    {
        "code": "LAS-1",
        "name": "Engraving laser",
        "kind": "machine",
        "capacity": 1,
        "calendar": "two-shift",
        "groups": ["engraving"],
    },
    {
        "code": "PNT-1",
        "name": "Paint booth",
        "kind": "machine",
        "capacity": 2,
        "calendar": "day",
        "groups": ["painting"],
    },
    {
        "code": "MET-1",
        "name": "Metal workshop",
        "kind": "station",
        "capacity": 1,
        "calendar": "day",
        "groups": ["metalwork"],
    },
    {
        "code": "OVN-1",
        "name": "Deck oven",
        "kind": "machine",
        "capacity": 4,
        "calendar": "bakery",
        "groups": ["baking"],
    },
    {
        "code": "PAS-1",
        "name": "Pastry chef Olga",
        "kind": "person",
        "capacity": 1,
        "calendar": "bakery",
        "groups": ["decorating", "baking-prep"],
    },
    {
        "code": "ASM-1",
        "name": "Assembly line",
        "kind": "station",
        "capacity": 1,
        "calendar": "two-shift",
        "groups": ["assembly"],
    },
    {
        "code": "QC-1",
        "name": "Quality control",
        "kind": "station",
        "capacity": 1,
        "calendar": "day",
        "groups": ["qc"],
    },
    {
        "code": "PCK-1",
        "name": "Packing",
        "kind": "station",
        "capacity": 1,
        "calendar": "two-shift",
        "groups": ["packing"],
    },
    {
        "code": "DES-1",
        "name": "Designer Mara",
        "kind": "person",
        "capacity": 1,
        "calendar": "day",
        "groups": ["design"],
    },
    {
        "code": "DES-2",
        "name": "Designer Ilya",
        "kind": "person",
        "capacity": 1,
        "calendar": "day",
        "groups": ["design", "tailoring"],
    },
]
