"""Elastic Beanstalk: the bundle, its .ebextensions, and deploy.sh end to end against a local AWS emulator."""

import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import boto3
import botocore.session
import fasttext
import pytest
import requests
import yaml
from conftest import BIN, ROOT, free_port, start_nginx
from sentiment.evaluate import everyday_set
from sentiment.model import from_manifest, model_input
from sentiment.text import normalize
from moto.elasticbeanstalk import models as eb_models
from moto.elasticbeanstalk import responses as eb_responses
from moto.elasticbeanstalk.responses import EBResponse
from moto.iam.exceptions import IAMException, NotFoundException
from moto.iam.responses import IamResponse
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

# The option namespaces and names the .ebextensions use, as the Elastic Beanstalk developer guide's
# "General options for all environments" lists them (a misspelt one is silently ignored by EB).
OPTIONS = {
    "aws:elasticbeanstalk:environment": {"EnvironmentType", "LoadBalancerType", "ServiceRole",
                                         "LoadBalancerIsShared"},
    "aws:elasticbeanstalk:environment:process:default": {
        "DeregistrationDelay", "HealthCheckInterval", "HealthCheckPath", "HealthCheckTimeout",
        "HealthyThresholdCount", "MatcherHTTPCode", "Port", "Protocol", "StickinessEnabled",
        "StickinessLBCookieDuration", "StickinessType", "UnhealthyThresholdCount"},
    "aws:elasticbeanstalk:application": {"Application Healthcheck URL"},
    "aws:elasticbeanstalk:healthreporting:system": {"SystemType", "ConfigDocument", "EnhancedHealthAuthEnabled",
                                                    "HealthCheckSuccessThreshold"},
    "aws:ec2:instances": {"InstanceTypes", "EnableSpot", "SpotFleetOnDemandBase",
                          "SpotFleetOnDemandAboveBasePercentage", "SpotMaxPrice", "SupportedArchitectures"},
    "aws:autoscaling:asg": {"MinSize", "MaxSize", "Availability Zones", "Cooldown", "Custom Availability Zones",
                            "EnableCapacityRebalancing"},
    "aws:autoscaling:trigger": {"MeasureName", "Statistic", "Unit", "Period", "EvaluationPeriods",
                                "BreachDuration", "UpperThreshold", "UpperBreachScaleIncrement",
                                "LowerThreshold", "LowerBreachScaleIncrement"},
    "aws:elasticbeanstalk:command": {"DeploymentPolicy", "Timeout", "BatchSizeType", "BatchSize",
                                     "IgnoreHealthCheck"},
    "aws:autoscaling:updatepolicy:rollingupdate": {"RollingUpdateEnabled", "RollingUpdateType", "MaxBatchSize",
                                                   "MinInstancesInService", "PauseTime", "Timeout"},
    "aws:elasticbeanstalk:environment:proxy": {"ProxyServer"},
    "aws:elasticbeanstalk:application:environment": None,  # any name: these are environment variables
    "aws:elasticbeanstalk:cloudwatch:logs": {"StreamLogs", "DeleteOnTerminate", "RetentionInDays"},
    "aws:elasticbeanstalk:cloudwatch:logs:health": {"HealthStreamingEnabled", "DeleteOnTerminate",
                                                    "RetentionInDays"},
    "aws:autoscaling:launchconfiguration": {"IamInstanceProfile", "InstanceType", "EC2KeyName", "SecurityGroups",
                                            "DisableIMDSv1", "MonitoringInterval", "RootVolumeType",
                                            "RootVolumeSize"},
    "aws:elbv2:listener:443": {"DefaultProcess", "ListenerEnabled", "Protocol", "Rules", "SSLCertificateArns",
                               "SSLPolicy"},
}
RUNS = {"application.py", "gunicorn.conf.py", "Procfile", "requirements.txt", "openapi.yaml"}


@pytest.fixture(autouse=True)
def remove_built_bundles():
    """Delete the zips a test's deploy.sh run leaves in build/."""
    before = set(ROOT.glob("build/*.zip"))
    yield
    for path in set(ROOT.glob("build/*.zip")) - before:
        path.unlink()


def bundle():
    """Run `deploy.sh bundle` and return the path of the zip it built."""
    result = subprocess.run(["./deploy.sh", "bundle"], cwd=ROOT, capture_output=True, text=True, check=True)
    return ROOT / result.stdout.strip()


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """The bundle unpacked as on an instance, with its runtime installed from wheels into a fresh venv, as
    Elastic Beanstalk would with no compiler (offline, from the wheels `make test` downloaded beside
    .venv-dev): returns (app folder, venv)."""
    folder = tmp_path_factory.mktemp("instance")
    app_dir, venv = folder / "var-app-current", folder / "venv"
    path = bundle()
    zipfile.ZipFile(path).extractall(app_dir)
    path.unlink()
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-index",
                    "--find-links", str(BIN.parent / "wheels"), "-r", "requirements.txt"],
                   cwd=app_dir, check=True, capture_output=True)
    return app_dir, venv


def pins(path):
    """Return {distribution: version} of the `name==version` lines of a requirements file."""
    lines = (ROOT / path).read_text().splitlines()
    return dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))


def test_dev_requirements_pin_the_runtime_with_the_full_fasttext():
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert runtime.pop("fasttext-predict") and dev.pop("fasttext-numpy2")
    assert runtime.items() <= dev.items()
    assert "fasttext" not in runtime and "numpy" not in runtime  # no source build, no NumPy at run time
    for path in ("requirements.txt", "requirements-dev.txt"):
        assert "\n--only-binary=:all:\n" in (ROOT / path).read_text(), "wheels only, whoever runs pip"


def test_bundle_carries_what_runs_and_nothing_else():
    names = set(zipfile.ZipFile(bundle()).namelist())
    assert RUNS <= names
    assert {"models/manifest.json", "models/en.ftz", "models/lid.176.ftz", "sentiment/text.py",
            "templates/index.html", "static/app.js", ".platform/nginx/conf.d/sentiment.conf"} <= names
    assert {n for n in names if n.startswith(".ebextensions/")} == {
        f".ebextensions/{p.name}" for p in (ROOT / ".ebextensions").iterdir()}
    for name in names:
        assert not name.startswith(("tests/", ".venv", "build/", ".git/", "bench/", ".ci/")), name
        assert "__pycache__" not in name and not name.endswith(".part"), name
    manifest = json.loads((ROOT / "models" / "manifest.json").read_text())
    assert {f"models/{e['file']}" for e in manifest["models"].values()} <= names
    assert {f"models/{e['lexicon']['file']}" for e in manifest["models"].values() if "lexicon" in e} <= names


@pytest.mark.parametrize("path", sorted((ROOT / ".ebextensions").glob("*.config")), ids=lambda p: p.name)
def test_ebextensions_parse_and_use_real_options(path):
    text = path.read_text()
    assert text.startswith("# "), "every .ebextensions file starts with a header comment"
    config = yaml.safe_load(text)
    assert set(config) <= {"option_settings", "packages", "commands", "container_commands", "files"}
    for namespace, options in config.get("option_settings", {}).items():
        assert namespace in OPTIONS, namespace
        assert OPTIONS[namespace] is None or set(options) <= OPTIONS[namespace], (namespace, options)
        assert all(isinstance(v, str) for v in options.values()), "EB option values are strings"


def wait_until_up(url, process, seconds=120):
    for _ in range(seconds * 4):
        if process.poll() is not None:
            raise AssertionError(f"{process.args} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        threading.Event().wait(0.25)
    raise AssertionError(f"{url} not up after {seconds}s")


def test_bundle_holds_every_module_the_service_imports():
    loaded = subprocess.run([sys.executable, "-c", "import sys, application; print('\\n'.join(\n"
                             "    getattr(m, '__file__', None) or '' for m in list(sys.modules.values())))"],
                            cwd=ROOT, env={**os.environ, "MODEL_CACHE_DIR": "/nonexistent"},
                            capture_output=True, text=True, check=True).stdout.split()
    ours = {str(Path(f).relative_to(ROOT)) for f in loaded if f.startswith(str(ROOT) + "/") and ".venv" not in f}
    assert "sentiment/model.py" in ours
    assert ours <= set(zipfile.ZipFile(bundle()).namelist())


def _distribution(requirement):
    """The distribution name of a requirements pin's name ("moto[s3,server]" -> "moto"), normalised."""
    return requirement.partition("[")[0].lower().replace("_", "-")


@pytest.mark.parametrize("module", ["application", "bench.run"])
def test_the_service_and_the_benchmark_import_nothing_only_the_dev_venv_has(module):
    # The modules of the distributions that only requirements-dev.txt pins, blocked as absent; but the full fastText
    # and NumPy, which stand in for the runtime's predict-only fastText here.
    dev_only = ({_distribution(name) for name in pins("requirements-dev.txt")}
                - {_distribution(name) for name in pins("requirements.txt")} - {"fasttext-numpy2", "numpy"})
    blocked = sorted(module for module, distributions in importlib.metadata.packages_distributions().items()
                     if {_distribution(name) for name in distributions} & dev_only)
    assert "simplemma" in blocked and "bs4" in blocked
    code = f"import sys; sys.modules.update(dict.fromkeys({blocked!r})); import {module}"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "MODEL_CACHE_DIR": "/nonexistent"})
    assert result.returncode == 0, result.stderr


def test_bundle_takes_new_files_from_the_working_tree(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    shutil.copy(ROOT / "deploy.sh", clone / "deploy.sh")
    shutil.copy(ROOT / ".ebignore", clone / ".ebignore")
    (clone / "sentiment" / "fresh.py").write_text('"""A module not yet added to git."""\n')
    (clone / "tests" / "test_fresh.py").write_text("")
    (clone / ".venv").mkdir()
    (clone / ".venv" / "x.py").write_text("")
    result = subprocess.run(["./deploy.sh", "bundle"], cwd=clone, capture_output=True, text=True, check=True)
    names = set(zipfile.ZipFile(clone / result.stdout.strip()).namelist())
    assert "sentiment/fresh.py" in names and "application.py" in names
    assert not {"tests/test_fresh.py", ".venv/x.py", ".ebignore", "deploy.sh"} & names


def test_served_predictions_equal_the_training_librarys(instance):
    """The runtime's predict-only fastText answers exactly as the full fastText that trained the models."""
    app_dir, venv = instance
    manifest = json.loads((ROOT / "models" / "manifest.json").read_text())
    everyday = everyday_set()
    lines = {"lid.176.ftz": [normalize(text) for _, _, text in everyday]}
    for language, entry in manifest["models"].items():
        if language == "lid":
            continue
        lexicon = from_manifest(ROOT / "models", language, entry).lexicon
        lines[entry["file"]] = [model_input(normalize(text), lexicon) for code, _, text in everyday
                                if code == language] + [model_input(normalize("Not bad at all, @user!"), lexicon)]
    served = json.loads(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import json, sys, fasttext\n"
         "lines = json.load(sys.stdin)\n"
         "print(json.dumps({f: [list(map(list, fasttext.load_model('models/' + f).predict(line, k=-1)))\n"
         "                      for line in ls] for f, ls in lines.items()}))"],
        cwd=app_dir, input=json.dumps(lines), capture_output=True, text=True, check=True).stdout)
    assert "numpy" not in subprocess.run([str(venv / "bin" / "pip"), "list"], capture_output=True, text=True).stdout
    for file, file_lines in lines.items():
        model = fasttext.load_model(str(ROOT / "models" / file))
        assert len(served[file]) == len(file_lines) >= 10
        for line, (labels, probabilities) in zip(file_lines, served[file]):
            expected_labels, expected = model.predict(line, k=-1)
            assert labels == list(expected_labels), (file, line)
            assert probabilities == list(expected), (file, line)


def test_bundle_installs_and_serves_behind_nginx_as_on_an_instance(nginx, instance, tmp_path):
    app_dir, venv = instance
    command = (app_dir / "Procfile").read_text().split("web:", 1)[1].strip()
    app_port, port = free_port(), free_port()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "PORT": str(app_port),
           "MODEL_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    app = subprocess.Popen(command, shell=True, cwd=app_dir, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    proxy = start_nginx(nginx, tmp_path / "nginx", port, [app_port],
                        extra=f"include {app_dir}/.platform/nginx/conf.d/*.conf;")
    try:
        wait_until_up(f"http://127.0.0.1:{port}/ping", app)
        ping = requests.get(f"http://127.0.0.1:{port}/ping", timeout=5).json()
        assert ping["status"] == "ok" and ping["languages"] == ["en", "fr", "de", "it", "es", "pt", "ar", "hi"]
        reply = requests.post(f"http://127.0.0.1:{port}/invocations", timeout=5,
                              json={"text": "This is great!", "language": "US"})
        assert reply.status_code == 200 and reply.json()["Sentiment"] == "POSITIVE"
        big = requests.post(f"http://127.0.0.1:{port}/invocations", timeout=5, data="x" * 1_500_000,
                            headers={"Content-Type": "application/json"})
        assert big.status_code == 413 and big.json()["error"]["code"] == "request_entity_too_large"
    finally:
        proxy.terminate()
        os.killpg(app.pid, 15)
        app.wait(30)
        proxy.wait(30)


# The Elastic Beanstalk calls deploy.sh makes that moto does not implement, or does not record. The emulator
# gets them here: each request is checked against botocore's model of the real API (every required member
# present, no member the API does not have) before it changes the emulator's state; the AWS CLI has already
# checked member types before sending.
EB_MODEL = botocore.session.get_session().get_service_model("elasticbeanstalk")
# Two platform versions whose order as text (4.9 after 4.10) is not their order as versions.
NEWER_STACKS = [{"SolutionStackName": f"64bit Amazon Linux 2023 v{v} running Python 3.11",
                 "PermittedFileTypes": ["zip"]} for v in ("4.9.3", "4.10.0")]


def _checked(self, operation):
    params = self._get_params()
    shape = EB_MODEL.operation_model(operation).input_shape
    missing = set(shape.required_members) - set(params)
    unknown = set(params) - set(shape.members) - {"Action", "Version"}
    if missing or unknown:
        raise AssertionError(f"{operation}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    for option in params.get("OptionSettings", []):
        names = OPTIONS.get(option["Namespace"], set())
        assert names is None or option["OptionName"] in names, option
    self.elasticbeanstalk_backend.calls.append((operation, params))
    return params


def _environment(self, name):
    [env] = [e for e in self.elasticbeanstalk_backend.describe_environments() if e.environment_name == name]
    return env


def create_application_version(self):
    _checked(self, "CreateApplicationVersion")
    return "<CreateApplicationVersionResponse><CreateApplicationVersionResult><ApplicationVersion/>" \
           "</CreateApplicationVersionResult></CreateApplicationVersionResponse>"


def update_environment(self):
    params = _checked(self, "UpdateEnvironment")
    _environment(self, params["EnvironmentName"])
    return "<UpdateEnvironmentResponse><UpdateEnvironmentResult/></UpdateEnvironmentResponse>"


def terminate_environment(self):
    params = _checked(self, "TerminateEnvironment")
    _environment(self, params["EnvironmentName"]).status = "Terminated"
    return "<TerminateEnvironmentResponse><TerminateEnvironmentResult/></TerminateEnvironmentResponse>"


def describe_events(self):
    _checked(self, "DescribeEvents")
    return "<DescribeEventsResponse><DescribeEventsResult><Events><member>" \
           "<EventDate>2026-11-25T10:00:00Z</EventDate><Severity>ERROR</Severity>" \
           "<Message>Instance deployment failed. For details, see 'eb-engine.log'.</Message>" \
           "</member></Events></DescribeEventsResult></DescribeEventsResponse>"


class AccessDenied(IAMException):
    code = "AccessDenied"


@pytest.fixture
def aws(make_app, monkeypatch, tmp_path):
    """A moto server on loopback that also answers deploy.sh's other EB calls; EB's environment "runs" the
    service on tiny models at a local address, which the emulator reports as the environment's CNAME.
    Yields the environment for deploy.sh, the emulator's port, and `state`: the health new environments
    report, how many reads of a new instance profile IAM answers "no such entity" (eventual consistency),
    whether IAM denies GetRole, and the log of those IAM reads and of CreateEnvironment, in order."""
    server = make_server("127.0.0.1", 0, make_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    service = f"127.0.0.1:{server.server_port}"
    state = {"health": "Green", "unseen_reads": 0, "deny_get_role": False, "log": []}
    original_create = EBResponse.create_environment

    def create_environment(self):
        _checked(self, "CreateEnvironment")
        state["log"].append("CreateEnvironment")
        return original_create(self)

    for name, handler in [("create_application_version", create_application_version),
                          ("update_environment", update_environment),
                          ("terminate_environment", terminate_environment),
                          ("describe_events", describe_events),
                          ("create_environment", create_environment)]:
        monkeypatch.setattr(EBResponse, name, handler, raising=False)
    monkeypatch.setattr(eb_responses, "SOLUTION_STACK_DETAILS", eb_responses.SOLUTION_STACK_DETAILS + NEWER_STACKS)
    original_get_profile, original_add_role = IamResponse.get_instance_profile, IamResponse.add_role_to_instance_profile
    original_get_role = IamResponse.get_role

    def add_role_to_instance_profile(self):
        state["unseen"] = state["unseen_reads"]
        return original_add_role(self)

    def get_instance_profile(self):
        if state.get("unseen"):
            state["unseen"] -= 1
            state["log"].append("GetInstanceProfile: not yet")
            raise NotFoundException("Instance profile not found")
        state["log"].append("GetInstanceProfile")
        return original_get_profile(self)

    def get_role(self):
        if state["deny_get_role"]:
            raise AccessDenied("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:GetRole")
        return original_get_role(self)

    monkeypatch.setattr(IamResponse, "add_role_to_instance_profile", add_role_to_instance_profile)
    monkeypatch.setattr(IamResponse, "get_instance_profile", get_instance_profile)
    monkeypatch.setattr(IamResponse, "get_role", get_role)
    original_init = eb_models.Environment.__init__

    def ready_environment(env, *args, **kwargs):
        original_init(env, *args, **kwargs)
        env.health, env.cname = state["health"], service

    monkeypatch.setattr(eb_models.Environment, "__init__", ready_environment)
    monkeypatch.setattr(eb_models.EBBackend, "calls", [], raising=False)
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "eu-west-1", "DEPLOY_POLL_SECONDS": "0",
           "DEPLOY_WAIT_SECONDS": "5", "IAM_SETTLE_SECONDS": "0", "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    for key in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "EB_APP", "EB_ENV", "EB_BUCKET", "EB_CERTIFICATE_ARN"):
        env.pop(key, None)
    yield env, port, state
    requests.post(f"http://127.0.0.1:{port}/moto-api/reset", timeout=10)  # moto's state is per process
    moto.stop()
    server.shutdown()


def run(env, *args):
    return subprocess.run(["./deploy.sh", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def client(service, port):
    return boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_deploy_end_to_end_against_the_emulator(aws):
    env, port, state = aws
    eb, s3, iam = client("elasticbeanstalk", port), client("s3", port), client("iam", port)
    bucket = "sentiment-123456789012-eu-west-1"

    first = run(env, "deploy")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().startswith("http://127.0.0.1:")
    assert "answers /ping and /invocations" in first.stderr
    [application] = eb.describe_applications()["Applications"]
    assert application["ApplicationName"] == "sentiment"
    [environment] = eb.describe_environments()["Environments"]
    assert environment["EnvironmentName"] == "sentiment-env"
    assert "on 64bit Amazon Linux 2023 v4.10.0 running Python 3.11" in first.stderr
    assert [op for op, _ in eb_models.EBBackend.calls] == ["CreateApplicationVersion", "CreateEnvironment"]
    _, version = eb_models.EBBackend.calls[0]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [version["SourceBundle"]["S3Key"]]
    assert "sentiment-eb-ec2" in [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]]
    attached = iam.list_attached_role_policies(RoleName="sentiment-eb-service")["AttachedPolicies"]
    assert sorted(p["PolicyName"] for p in attached) == ["AWSElasticBeanstalkEnhancedHealth",
                                                         "AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy"]

    second = run(env, "deploy")
    assert second.returncode == 0, second.stderr
    assert [op for op, _ in eb_models.EBBackend.calls][2:] == ["CreateApplicationVersion", "UpdateEnvironment"]
    assert len(eb.describe_environments()["Environments"]) == 1

    models = run(env, "models")
    assert models.returncode == 0, models.stderr
    objects = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="sentiment/models/")["Contents"]}
    assert "sentiment/models/manifest.json" in objects and "sentiment/models/en.ftz" in objects
    policy = iam.get_role_policy(RoleName="sentiment-eb-ec2", PolicyName="read-models")["PolicyDocument"]
    assert policy["Statement"] == [{"Effect": "Allow", "Action": "s3:GetObject",
                                    "Resource": f"arn:aws:s3:::{bucket}/sentiment/models/*"}]
    _, update = eb_models.EBBackend.calls[-1]
    pin = hashlib.sha256((ROOT / "models" / "manifest.json").read_bytes()).hexdigest()
    assert update["OptionSettings"] == [
        {"Namespace": "aws:elasticbeanstalk:application:environment", "OptionName": "MODEL_SOURCE",
         "Value": f"s3://{bucket}/sentiment/models"},
        {"Namespace": "aws:elasticbeanstalk:application:environment", "OptionName": "MODEL_MANIFEST_SHA256",
         "Value": pin}]

    status = run(env, "status")
    assert "sentiment-env\tReady\tGreen" in status.stdout

    destroy = run(env, "destroy")
    assert destroy.returncode == 0, destroy.stderr
    assert eb.describe_applications()["Applications"] == []
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert iam.list_roles()["Roles"] == [] and iam.list_instance_profiles()["InstanceProfiles"] == []
    again = run(env, "destroy")
    assert again.returncode == 0, again.stderr


def test_a_new_instance_profile_is_used_only_once_iam_reads_it_back(aws):
    env, _, state = aws
    state["unseen_reads"] = 3
    result = run({**env, "IAM_SETTLE_SECONDS": "1"}, "deploy")
    assert result.returncode == 0, result.stderr
    assert state["log"][-5:] == ["GetInstanceProfile: not yet"] * 3 + ["GetInstanceProfile", "CreateEnvironment"]
    assert "giving IAM 1s to propagate it" in result.stderr


def test_red_health_stops_the_wait_at_once_with_the_latest_events(aws):
    env, _, state = aws
    state["health"] = "Red"
    started = time.monotonic()
    result = run({**env, "DEPLOY_POLL_SECONDS": "1", "DEPLOY_WAIT_SECONDS": "600"}, "deploy")
    assert result.returncode == 1
    assert time.monotonic() - started < 60
    assert "environment sentiment-env is Ready and Red" in result.stderr
    assert "Instance deployment failed. For details, see 'eb-engine.log'." in result.stderr


def test_https_listener_from_an_acm_certificate(aws):
    env, _, _ = aws
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0f2a9c1e-1111-2222-3333-444455556666"
    first = run({**env, "EB_CERTIFICATE_ARN": arn}, "deploy")
    assert first.returncode == 0, first.stderr
    https = [
        {"Namespace": "aws:elbv2:listener:443", "OptionName": "ListenerEnabled", "Value": "true"},
        {"Namespace": "aws:elbv2:listener:443", "OptionName": "Protocol", "Value": "HTTPS"},
        {"Namespace": "aws:elbv2:listener:443", "OptionName": "SSLCertificateArns", "Value": arn},
        {"Namespace": "aws:elasticbeanstalk:application:environment", "OptionName": "HTTPS_REDIRECT",
         "Value": "true"},
    ]
    operation, create = eb_models.EBBackend.calls[-1]
    assert operation == "CreateEnvironment" and create["OptionSettings"][-4:] == https
    second = run(env, "--certificate-arn", arn, "deploy")
    assert second.returncode == 0, second.stderr
    operation, update = eb_models.EBBackend.calls[-1]
    assert operation == "UpdateEnvironment" and update["OptionSettings"] == https
    plain = run(env, "deploy")
    assert plain.returncode == 0, plain.stderr
    assert "OptionSettings" not in eb_models.EBBackend.calls[-1][1]
    wrong = run(env, "--certificate-arn", "arn:aws:iam::123456789012:server-certificate/x", "deploy")
    assert wrong.returncode == 1 and "is not an ACM certificate ARN" in wrong.stderr


@pytest.mark.parametrize("settings, region, source", [
    ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-central-1", "flag": "us-west-2"}, "us-west-2", "--region"),
    ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-central-1"}, "eu-west-1", "AWS_REGION"),
    ({"AWS_DEFAULT_REGION": "eu-central-1"}, "eu-central-1", "AWS_DEFAULT_REGION"),
    ({}, "ap-southeast-2", "the AWS CLI profile"),
    ({"AWS_PROFILE": "other"}, "sa-east-1", "the AWS CLI profile"),
    ({"no config": True}, "eu-west-1", "default"),
])
def test_region_follows_the_aws_cli_chain(aws, tmp_path, settings, region, source):
    env, _, _ = aws
    config = tmp_path / "config"
    config.write_text("[default]\nregion = ap-southeast-2\n[profile other]\nregion = sa-east-1\n")
    env = {**{k: v for k, v in env.items() if k != "AWS_REGION"}, "AWS_CONFIG_FILE": str(config)}
    if settings.pop("no config", False):
        env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    flag = settings.pop("flag", None)
    result = run({**env, **settings}, *(["--region", flag] if flag else []), "status")
    assert result.returncode == 0, result.stderr
    assert f"region {region} (from {source})" in result.stderr


def test_the_emulator_rejects_a_malformed_call(aws):
    _, port, _ = aws
    reply = requests.post(f"http://127.0.0.1:{port}/", data={"Action": "CreateApplicationVersion",
                                                              "Version": "2010-12-01", "VersionLabel": "v1"},
                          headers={"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/"
                                                    "elasticbeanstalk/aws4_request"})
    assert reply.status_code >= 400


@pytest.mark.filterwarnings("ignore:Exception\\(AccessDenied\\)")  # moto's IAM model lists no AccessDenied shape
def test_failing_calls_show_the_aws_cli_error(aws):
    env, _, state = aws
    no_cli = run({**env, "PATH": "/usr/bin:/bin"}, "status")
    if shutil.which("aws", path="/usr/bin:/bin") is None:
        assert no_cli.returncode == 1 and "AWS CLI is not installed" in no_cli.stderr
    unreachable = run({**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}, "deploy")
    assert unreachable.returncode == 1
    assert "the AWS CLI cannot call AWS" in unreachable.stderr
    assert 'Could not connect to the endpoint URL: "http://127.0.0.1:9/"' in unreachable.stderr
    state["deny_get_role"] = True
    denied = run(env, "deploy")
    assert denied.returncode == 1
    assert "AccessDenied" in denied.stderr and "is not authorized to perform: iam:GetRole" in denied.stderr
    assert run(env, "frobnicate").returncode == 1
    assert run(env).returncode == 2
