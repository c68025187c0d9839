def test_the_demo_seeds_ballots_of_every_method(db):
    from core.demo import DemoContext
    from network import demo as network_demo
    from voting import demo
    from voting.models import Ballot

    ctx = DemoContext()
    network_demo.seed(ctx)
    demo.seed(ctx)
    assert set(Ballot.objects.filter(status="open").values_list("method", flat=True)) == {
        "single",
        "approval",
        "ranked",
        "score",
        "budget",
    }
    published = Ballot.objects.get(status="published")
    assert published.result["ballots"] == 5
    assert published.result["winners"] == [published.options.get(position=2).pk]
    budget = Ballot.objects.get(method="budget")
    assert budget.casts.filter(assisted=True).count() == 1
