# Prints the result runpod-python's own worker code (runpod/serverless/modules/rp_job.py, run_job) builds for a job
# whose handler raises: the FAILED error RunPod passes on in /status and the webhook. The vector in
# src/test/resources/vectors/runpod/runpod-vectors.json ("worker_errors") was made with runpod-python v1.12.0, copied to
# /opt/runpod-python, this file copied to /opt/worker/handler.py, and:
#   cd /opt/worker && RUNPOD_POD_ID=oqk7ao1uomckye RUNPOD_POD_HOSTNAME=oqk7ao1uomckye-64410f2b \
#     python3 handler.py /opt/runpod-python "CUDA out of memory. Tried to allocate 20.00 MiB"
# The third-party packages runpod-python imports but run_job does not use are stubbed, so no install is needed.
import asyncio
import importlib.abc
import importlib.machinery
import json
import sys
from unittest.mock import MagicMock

sys.path.insert(0, sys.argv[1])


class Stubs(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    PREFIXES = {"aiohttp", "aiohttp_retry", "fastapi", "uvicorn", "pydantic", "requests", "urllib3", "tqdm",
                "tqdm_loggable", "backoff", "boto3", "botocore", "paramiko", "colorama", "InquirerPy", "click",
                "prettytable", "tomli", "tomlkit", "watchdog", "cryptography", "cpuinfo", "filelock", "psutil"}

    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in self.PREFIXES:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = MagicMock(name=spec.name)
        module.__path__ = []
        module.__spec__ = spec
        return module

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, Stubs())
from runpod.serverless.modules import rp_job  # noqa: E402


def handler(job):
    raise RuntimeError(job["input"]["message"])


print(json.dumps(asyncio.run(rp_job.run_job(handler, {"id": "job-u1", "input": {"message": sys.argv[2]}}))))
