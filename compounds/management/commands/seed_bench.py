from django.core.management.base import BaseCommand, CommandError

from compounds.bench_corpus import CorpusError, CorpusSpec, bench_corpus_seed


class Command(BaseCommand):
    help = (
        "Fill an EMPTY database with a deterministic synthetic corpus for benchmarks: N published profiles about "
        "the size of the demo's Selank page (a dozen Markdown sections, ~30 citations, the usual tables), 1 % of "
        "them citing 200 sources, and M sources shared with a Zipf-like popularity. The same N, M and seed give "
        "the same corpus. Refuses a database that holds any compound or source. Every profile is published "
        "(version 1, as publish_compound stores it) but NO revision is recorded: a seeded profile's history is "
        "empty until someone edits it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--compounds", type=int, required=True, help="Number of profiles (N).")
        parser.add_argument("--sources", type=int, help="Number of sources (M); default 10 × N.")
        parser.add_argument("--seed", type=int, default=1, help="Seed of every random choice (default 1).")
        parser.add_argument(
            "--big-compounds", type=int, help="Profiles citing --big-citations sources (default: 1 %% of N)."
        )
        parser.add_argument("--big-citations", type=int, default=200, help="Sources a big profile cites (200).")
        parser.add_argument("--batch-size", type=int, default=250, help="Profiles (and sources) per bulk insert.")
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Processes building the pages (default 2; 1 builds them in this process).",
        )

    def handle(self, *args, compounds, sources, seed, big_compounds, big_citations, batch_size, workers, **options):
        spec = CorpusSpec(
            compounds=compounds,
            sources=10 * compounds if sources is None else sources,
            seed=seed,
            big_compounds=big_compounds,
            big_citations=big_citations,
            batch_size=batch_size,
            workers=workers,
        )
        try:
            result = bench_corpus_seed(spec=spec, progress=self.stdout.write)
        except CorpusError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Seeded {result.compounds} published profiles ({spec.big_count} citing {spec.big_citations} sources), "
            f"{result.sources} sources, {result.citations} citations, {result.rows} part rows, "
            f"{result.categories} categories in {result.seconds:.1f} s (rows {result.generate_seconds:.1f} s, "
            f"pages {result.pages_seconds:.1f} s with {result.workers} worker(s); seed {spec.seed})."
        )
