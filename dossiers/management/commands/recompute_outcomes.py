"""``manage.py recompute_outcomes [--rule day|moment]``: after changing OUTCOME_RULE, judge every closed
dossier again (early / on time / late) by the rule, all rows or none, and say how many changed."""
from django.core.management.base import BaseCommand

from dossiers.services import dossiers_recompute_outcomes
from motcua.deadlines import OUTCOME_RULES, configured_outcome_rule
from reports.numbers import vn_int


class Command(BaseCommand):
    help = "Judge every closed dossier again by the outcome rule (OUTCOME_RULE) and print how many changed."

    def add_arguments(self, parser):
        parser.add_argument("--rule", choices=OUTCOME_RULES, help="The rule to apply (default: the OUTCOME_RULE setting).")

    def handle(self, *args, rule=None, **options):
        rule = rule or configured_outcome_rule()
        judged, changed = dossiers_recompute_outcomes(rule=rule)
        self.stdout.write(f"Quy tắc “{rule}”: đã xét {vn_int(judged)} hồ sơ đã giải quyết, {vn_int(changed)} hồ sơ thay đổi "
                          "kết quả (trước hạn / đúng hạn / quá hạn).")
