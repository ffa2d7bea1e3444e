from django.core.management.base import BaseCommand

from kangfu.people.services import person_reindex_names


class Command(BaseCommand):
    help = "Rewrite the name search index (blind-index digests) of every person."

    def handle(self, *args, **options) -> None:
        done = person_reindex_names()
        # A count only: never a name or an id in the output.
        self.stdout.write(f"re-indexed {done} persons")
