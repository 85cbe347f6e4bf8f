import pytest

from tests.conftest import _run_directory
from tests.transfer import test_round_trip


@pytest.fixture(scope="session", autouse=True)
def _shared_demo_export(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The folder of this run where the demo's export is kept (`demo_file`)."""
    test_round_trip.SHARED[:] = [_run_directory(tmp_path_factory)]
