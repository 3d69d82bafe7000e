"""Elastic Beanstalk: the bundle, its .ebextensions, and deploy.sh end to end against a local AWS emulator."""

import json
import os
import shutil
import subprocess
import threading
import zipfile

import boto3
import botocore.session
import pytest
import requests
import yaml
from conftest import ROOT, free_port, start_nginx
from moto.elasticbeanstalk import models as eb_models
from moto.elasticbeanstalk.responses import EBResponse
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


def test_bundle_carries_what_runs_and_nothing_else():
    names = set(zipfile.ZipFile(bundle()).namelist())
    assert RUNS <= names
    assert {"models/manifest.json", "models/en.ftz", "models/lid.176.ftz", "sentiment/text.py",
            "templates/index.html", "static/app.js", ".platform/nginx/conf.d/sentiment.conf"} <= names
    assert {n for n in names if n.startswith(".ebextensions/")} == {
        f".ebextensions/{p.name}" for p in (ROOT / ".ebextensions").iterdir()}
    for name in names:
        assert not name.startswith(("tests/", ".venv/", "build/", ".git/", "bench/")), name
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


def test_bundle_installs_and_serves_behind_nginx_as_on_an_instance(nginx, tmp_path):
    app_dir = tmp_path / "var-app-current"
    zipfile.ZipFile(bundle()).extractall(app_dir)
    venv = tmp_path / "venv"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-r", "requirements.txt"], cwd=app_dir,
                   check=True, capture_output=True)
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


# The Elastic Beanstalk calls deploy.sh makes that moto does not implement. The emulator gets them here:
# each request is checked against botocore's model of the real API (every required member present, no
# member the API does not have) before it changes the emulator's state; the AWS CLI has already checked
# member types before sending.
EB_MODEL = botocore.session.get_session().get_service_model("elasticbeanstalk")


def _checked(self, operation):
    params = self._get_params()
    shape = EB_MODEL.operation_model(operation).input_shape
    missing = set(shape.required_members) - set(params)
    unknown = set(params) - set(shape.members) - {"Action", "Version"}
    if missing or unknown:
        raise AssertionError(f"{operation}: missing {sorted(missing)}, unknown {sorted(unknown)}")
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


@pytest.fixture
def aws(make_app, monkeypatch, tmp_path):
    """A moto server on loopback that also answers deploy.sh's other EB calls; EB's environment "runs" the
    service on tiny models at a local address, which the emulator reports as the environment's CNAME."""
    server = make_server("127.0.0.1", 0, make_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    service = f"127.0.0.1:{server.server_port}"
    for name, handler in [("create_application_version", create_application_version),
                          ("update_environment", update_environment),
                          ("terminate_environment", terminate_environment)]:
        monkeypatch.setattr(EBResponse, name, handler, raising=False)
    original_init = eb_models.Environment.__init__

    def ready_environment(env, *args, **kwargs):
        original_init(env, *args, **kwargs)
        env.health, env.cname = "Green", service

    monkeypatch.setattr(eb_models.Environment, "__init__", ready_environment)
    monkeypatch.setattr(eb_models.EBBackend, "calls", [], raising=False)
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "eu-west-1", "DEPLOY_POLL_SECONDS": "0",
           "DEPLOY_WAIT_SECONDS": "5", "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    for key in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "EB_APP", "EB_ENV", "EB_BUCKET"):
        env.pop(key, None)
    yield env, port
    moto.stop()
    server.shutdown()


def run(env, *args):
    return subprocess.run(["./deploy.sh", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def client(service, port):
    return boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_deploy_end_to_end_against_the_emulator(aws):
    env, port = aws
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
    assert "on 64bit Amazon Linux 2023 v4.6.0 running Python 3.11" in first.stderr
    [(operation, version)] = eb_models.EBBackend.calls
    assert operation == "CreateApplicationVersion"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [version["SourceBundle"]["S3Key"]]
    assert "sentiment-eb-ec2" in [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]]

    second = run(env, "deploy")
    assert second.returncode == 0, second.stderr
    assert [op for op, _ in eb_models.EBBackend.calls] == ["CreateApplicationVersion", "CreateApplicationVersion",
                                                          "UpdateEnvironment"]
    assert len(eb.describe_environments()["Environments"]) == 1

    models = run(env, "models")
    assert models.returncode == 0, models.stderr
    objects = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="sentiment/models/")["Contents"]}
    assert "sentiment/models/manifest.json" in objects and "sentiment/models/en.ftz" in objects
    policy = iam.get_role_policy(RoleName="sentiment-eb-ec2", PolicyName="read-models")["PolicyDocument"]
    assert policy["Statement"] == [{"Effect": "Allow", "Action": "s3:GetObject",
                                    "Resource": f"arn:aws:s3:::{bucket}/sentiment/models/*"}]
    _, update = eb_models.EBBackend.calls[-1]
    assert update["OptionSettings"] == [{"Namespace": "aws:elasticbeanstalk:application:environment",
                                         "OptionName": "MODEL_SOURCE",
                                         "Value": f"s3://{bucket}/sentiment/models"}]

    status = run(env, "status")
    assert "sentiment-env\tReady\tGreen" in status.stdout

    destroy = run(env, "destroy")
    assert destroy.returncode == 0, destroy.stderr
    assert eb.describe_applications()["Applications"] == []
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert iam.list_roles()["Roles"] == [] and iam.list_instance_profiles()["InstanceProfiles"] == []
    again = run(env, "destroy")
    assert again.returncode == 0, again.stderr


def test_the_emulator_rejects_a_malformed_call(aws):
    _, port = aws
    reply = requests.post(f"http://127.0.0.1:{port}/", data={"Action": "CreateApplicationVersion",
                                                              "Version": "2010-12-01", "VersionLabel": "v1"},
                          headers={"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/"
                                                    "elasticbeanstalk/aws4_request"})
    assert reply.status_code >= 400


def test_missing_cli_or_credentials_fail_clearly(aws, tmp_path):
    env, _ = aws
    no_cli = run({**env, "PATH": "/usr/bin:/bin"}, "status")
    if shutil.which("aws", path="/usr/bin:/bin") is None:
        assert no_cli.returncode == 1 and "AWS CLI is not installed" in no_cli.stderr
    no_credentials = run({**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}, "deploy")
    assert no_credentials.returncode == 1 and "no usable AWS credentials" in no_credentials.stderr
    assert run(env, "frobnicate").returncode == 1
    assert run(env).returncode == 2
