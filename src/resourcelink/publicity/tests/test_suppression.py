"""The suppression rule alone: rows of fewer than five recipient households
are merged into "other", and withheld if "other" is still under five."""

from decimal import Decimal

from django.test import SimpleTestCase

from resourcelink.publicity.selectors import MIN_GROUP, shown_count, suppress_small


def row(label, households, **extra):
    return {"label": label, "households": households, **extra}


class SuppressionTests(SimpleTestCase):
    def test_it_keeps_rows_of_five_or_more_as_they_are(self):
        rows = suppress_small([row("elderly", 5, amount=Decimal("10")), row("disability", 12)],
                              other_label="other", add=("amount",))
        self.assertEqual([(r["label"], r["households"], r["is_other"], r["suppressed"]) for r in rows],
                         [("elderly", 5, False, False), ("disability", 12, False, False)])
        self.assertEqual(rows[0]["amount"], Decimal("10"))

    def test_it_merges_small_rows_into_other_when_together_they_reach_five(self):
        rows = suppress_small(
            [row("elderly", 7), row("disability", 3, quantities={1: 30}, amount=Decimal("300")),
             row("pregnancy", 2, quantities={1: 20, 2: 4}, amount=None)],
            other_label="other groups", add=("quantities", "amount"))
        self.assertEqual(len(rows), 2)
        other = rows[1]
        self.assertEqual(other["label"], "other groups")
        self.assertEqual(other["households"], 5)
        self.assertEqual(other["merged"], 2)
        self.assertTrue(other["is_other"])
        self.assertFalse(other["suppressed"])
        self.assertEqual(other["quantities"], {1: 50, 2: 4})
        self.assertEqual(other["amount"], Decimal("300"))

    def test_it_withholds_other_and_what_it_got_when_still_under_five(self):
        rows = suppress_small([row("elderly", 9), row("disability", 1, quantities={1: 10}),
                               row("pregnancy", 3, quantities={1: 30})],
                              other_label="other groups", add=("quantities",))
        other = rows[-1]
        self.assertTrue(other["suppressed"])
        self.assertIsNone(other["households"])
        self.assertIsNone(other["quantities"])
        self.assertNotIn("disability", [r["label"] for r in rows])
        self.assertNotIn("pregnancy", [r["label"] for r in rows])

    def test_it_withholds_a_single_small_row_even_alone(self):
        rows = suppress_small([row("elderly", 4)], other_label="other")
        self.assertEqual([(r["label"], r["households"], r["suppressed"]) for r in rows], [("other", None, True)])

    def test_it_drops_empty_rows_and_adds_no_other_row_without_small_ones(self):
        self.assertEqual(suppress_small([row("a", 0), row("b", None)], other_label="other"), [])
        rows = suppress_small([row("a", 6), row("b", 0)], other_label="other")
        self.assertEqual([r["label"] for r in rows], ["a"])

    def test_it_honours_another_threshold_and_count_key(self):
        rows = suppress_small([{"label": "a", "people": 2}, {"label": "b", "people": 3}], other_label="o",
                              count="people", min_group=3)
        self.assertEqual([(r["label"], r["people"]) for r in rows], [("b", 3), ("o", None)])

    def test_it_shows_counts_of_zero_and_of_five_or_more_only(self):
        self.assertEqual(MIN_GROUP, 5)
        self.assertEqual([shown_count(n) for n in (0, None, 1, 4, 5, 120)], [0, 0, None, None, 5, 120])
