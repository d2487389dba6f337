"""pytest options for the generator's golden tests."""


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/gen/golden from the generator")
