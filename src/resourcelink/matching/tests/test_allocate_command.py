from io import StringIO

from django.core.management import CommandError, call_command

from resourcelink.matching.models import AllocationRun
from resourcelink.needs.models import Link

from .test_runs import RunFixture


class AllocateCommandTest(RunFixture):
    def call(self, *args):
        out, err = StringIO(), StringIO()
        call_command("allocate", "--station", "hubin", *args, stdout=out, stderr=err)
        return out.getvalue()

    def test_it_computes_a_draft_and_prints_a_summary(self):
        out = self.call("--user", "bob", "--no-progress", "--urgency", "critical", "--urgency", "normal")
        run = AllocationRun.objects.get()
        self.assertEqual(run.status, AllocationRun.Status.DRAFT)
        self.assertEqual(run.parameters["needs"]["urgencies"], ["critical", "normal"])
        self.assertIn("Quantity allocated", out)
        self.assertRegex(out, r"Quantity allocated\s+10")
        self.assertIn(f"Draft #{run.pk} kept", out)
        self.assertFalse(Link.objects.exists())

    def test_it_accepts_the_whole_draft(self):
        out = self.call("--user", "carol", "--need-category", "food", "--supply-category", "food.staple",
                        "--tiers", "urgency", "--household-cap", "5", "--accept")
        run = AllocationRun.objects.get()
        self.assertEqual(run.status, AllocationRun.Status.ACCEPTED)
        self.assertEqual(run.parameters["policy"]["household_cap"], 5)
        self.assertEqual(sorted(Link.objects.values_list("quantity", flat=True)), [5, 5])
        self.assertIn("Accepted: 2 links made.", out)

    def test_it_refuses_a_viewer_unknown_codes_and_bad_policies(self):
        with self.assertRaisesMessage(CommandError, "roles"):
            self.call("--user", "victor", "--no-progress")
        with self.assertRaisesMessage(CommandError, "--need-category: no such code: nothing"):
            self.call("--user", "bob", "--need-category", "nothing")
        with self.assertRaisesMessage(CommandError, "--priority-tag"):
            self.call("--user", "bob", "--no-progress", "--tiers", "tags")
        with self.assertRaisesMessage(CommandError, "No such station"):
            call_command("allocate", "--station", "nowhere", "--user", "bob")
        self.assertFalse(AllocationRun.objects.exists())

    def test_its_help_states_the_rules(self):
        from resourcelink.matching.management.commands.allocate import Command

        self.assertIn("one transaction", Command().help)

    def test_the_console_command_maps_allocate(self):
        from contextlib import redirect_stdout

        from resourcelink.cli import ALIASES, main

        self.assertEqual(ALIASES["allocate"], "allocate")
        out = StringIO()
        with redirect_stdout(out), self.assertRaises(SystemExit):
            main(["allocate", "--help"])
        self.assertIn("--accept", out.getvalue())
