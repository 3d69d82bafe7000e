#!/usr/bin/env bash
# Deploy the sentiment service to AWS Elastic Beanstalk with the AWS CLI. `./deploy.sh --help` says how.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./deploy.sh [--region R] [--app NAME] [--env NAME] [--bucket NAME] [--certificate-arn ARN] COMMAND

Commands (each safe to run again):
  bundle    build the source bundle build/<version>.zip from the working tree, less what .ebignore lists
  deploy    create the application if missing, upload the bundle to S3, create an application version,
            create or update the environment, wait until it is Ready and Green, print its URL, then
            call /ping and /invocations on it
  models    upload models/ to s3://BUCKET/APP/models/, let the instances read that prefix and nothing
            else, point the environment's MODEL_SOURCE at it and pin MODEL_MANIFEST_SHA256 to its manifest
  status    show the environment's status, health, version and URL
  destroy   terminate the environment, delete the application, its versions, the uploaded objects,
            the bucket if empty, and the IAM roles this script created

Options (or environment variables):
  --region R      else AWS_REGION, AWS_DEFAULT_REGION, the AWS CLI profile's region, eu-west-1
  --app NAME      EB_APP (default sentiment)
  --env NAME      EB_ENV (default sentiment-env)
  --bucket NAME   EB_BUCKET (default APP-ACCOUNT-REGION)
  --certificate-arn ARN
                  EB_CERTIFICATE_ARN: an ACM certificate for an HTTPS listener on the load balancer (port
                  443); plain HTTP is then redirected to HTTPS. Without it the environment serves HTTP.
Also: EB_SOLUTION_STACK (default: the newest "Amazon Linux 2023 ... running Python 3.11" stack),
DEPLOY_WAIT_SECONDS (default 1800), DEPLOY_POLL_SECONDS (default 15), IAM_SETTLE_SECONDS (default 10:
how long a new instance profile is left to propagate through IAM before an environment uses it).
EOF
}

REGION=
DEFAULT_REGION=eu-west-1  # the workshop's
APP=${EB_APP:-sentiment}
ENV_NAME=${EB_ENV:-sentiment-env}
BUCKET=${EB_BUCKET:-}
STACK=${EB_SOLUTION_STACK:-}
WAIT_SECONDS=${DEPLOY_WAIT_SECONDS:-1800}
POLL_SECONDS=${DEPLOY_POLL_SECONDS:-15}
SETTLE_SECONDS=${IAM_SETTLE_SECONDS:-10}
CERTIFICATE_ARN=${EB_CERTIFICATE_ARN:-}
MANAGED_POLICY=arn:aws:iam::aws:policy
# The service role's managed policies, as AWS's "Managing Elastic Beanstalk service roles" page lists them.
SERVICE_POLICIES=(service-role/AWSElasticBeanstalkEnhancedHealth AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy)
cd "$(dirname "$0")"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

die() { echo "deploy.sh: $*" >&2; exit 1; }
say() { echo "deploy.sh: $*" >&2; }
awsq() { aws --region "$REGION" --output text "$@"; }

aws_error() {  # aws_error CMD...: run an AWS CLI call for its effect; print nothing on success, its error on failure
  local out
  out=$(awsq "$@" 2>&1 >/dev/null) && return 0
  echo "${out:-aws $1 $2 failed}"
  return 1
}

exists() {  # exists CMD...: whether the resource an AWS CLI describe/get CMD names exists; other failures stop
  local error
  error=$(aws_error "$@") && return 0
  case $error in *NoSuchEntity*|*"(404)"*|*NotFound*) return 1 ;; esac
  die "$error"
}

need_aws() {
  command -v aws >/dev/null || die "the AWS CLI is not installed: pip install awscli (or see the README)"
  local from=--region
  [ -n "$REGION" ] || { REGION=${AWS_REGION:-}; from=AWS_REGION; }
  [ -n "$REGION" ] || { REGION=${AWS_DEFAULT_REGION:-}; from=AWS_DEFAULT_REGION; }
  [ -n "$REGION" ] || { REGION=$(aws configure get region 2>/dev/null || true); from="the AWS CLI profile"; }
  [ -n "$REGION" ] || { REGION=$DEFAULT_REGION; from=default; }
  ACCOUNT=$(awsq sts get-caller-identity --query Account 2>"$TMP/error") \
    || die "the AWS CLI cannot call AWS (check 'aws configure' or AWS_PROFILE): $(cat "$TMP/error")"
  say "account $ACCOUNT, region $REGION (from $from)"
  BUCKET=${BUCKET:-$APP-$ACCOUNT-$REGION}
  SERVICE_ROLE=$APP-eb-service
  INSTANCE_ROLE=$APP-eb-ec2
}

cmd_bundle() {
  git rev-parse --git-dir >/dev/null 2>&1 || die "run from a git checkout of the project: git applies .ebignore"
  local label
  label=$APP-$(git describe --always --dirty --exclude '*')-$(date -u +%Y%m%d%H%M%S)
  mkdir -p build
  rm -f "build/$label.zip.part"
  python3 - "build/$label.zip.part" <<'PY'
import os, subprocess, sys, zipfile

def listed(*flags):  # the working tree's files as git lists them, with .ebignore as the only ignore rules
    out = subprocess.run(["git", "ls-files", "-z", *flags, "--exclude-from=.ebignore"], check=True,
                         capture_output=True).stdout
    return set(out.decode().split("\0")) - {""}

files = sorted(p for p in listed("--cached", "--others") - listed("--cached", "--ignored") if os.path.isfile(p))
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as bundle:
    for path in files:
        bundle.write(path, path)
print(f"deploy.sh: {len(files)} files", file=sys.stderr)
PY
  mv "build/$label.zip.part" "build/$label.zip"
  say "bundle build/$label.zip"
  echo "build/$label.zip"
}

ensure_bucket() {
  if ! exists s3api head-bucket --bucket "$BUCKET"; then
    say "creating bucket $BUCKET"
    if [ "$REGION" = us-east-1 ]; then
      awsq s3api create-bucket --bucket "$BUCKET" >/dev/null
    else
      awsq s3api create-bucket --bucket "$BUCKET" --create-bucket-configuration "LocationConstraint=$REGION" >/dev/null
    fi
    awsq s3api put-public-access-block --bucket "$BUCKET" --public-access-block-configuration \
      BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
  fi
}

ensure_role() {  # ensure_role NAME SERVICE POLICY...: a role that SERVICE may assume, with managed POLICYs
  local name=$1 service=$2 policy
  shift 2
  if ! exists iam get-role --role-name "$name"; then
    say "creating IAM role $name"
    awsq iam create-role --role-name "$name" --assume-role-policy-document \
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"$service\"},\"Action\":\"sts:AssumeRole\"}]}" >/dev/null
  fi
  for policy in "$@"; do
    awsq iam attach-role-policy --role-name "$name" --policy-arn "$MANAGED_POLICY/$policy"
  done
}

ensure_roles() {
  ensure_role "$SERVICE_ROLE" elasticbeanstalk.amazonaws.com "${SERVICE_POLICIES[@]}"
  ensure_role "$INSTANCE_ROLE" ec2.amazonaws.com AWSElasticBeanstalkWebTier
  if ! exists iam get-instance-profile --instance-profile-name "$INSTANCE_ROLE"; then
    say "creating instance profile $INSTANCE_ROLE"
    awsq iam create-instance-profile --instance-profile-name "$INSTANCE_ROLE" >/dev/null
    awsq iam add-role-to-instance-profile --instance-profile-name "$INSTANCE_ROLE" --role-name "$INSTANCE_ROLE"
    wait_instance_profile
  fi
}

wait_instance_profile() {
  # IAM is eventually consistent: an environment launched on a profile that EC2 cannot see yet fails with
  # "The instance profile ... does not exist". Wait until IAM reads it back with its role, then a little more.
  local deadline=$((SECONDS + WAIT_SECONDS))
  until [ "$(awsq iam get-instance-profile --instance-profile-name "$INSTANCE_ROLE" \
               --query "InstanceProfile.Roles[?RoleName=='$INSTANCE_ROLE'] | length(@)" 2>/dev/null)" = 1 ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "instance profile $INSTANCE_ROLE not readable after ${WAIT_SECONDS}s"
    sleep "$POLL_SECONDS"
  done
  say "instance profile $INSTANCE_ROLE exists; giving IAM ${SETTLE_SECONDS}s to propagate it"
  sleep "$SETTLE_SECONDS"
}

app_exists() {
  [ "$(awsq elasticbeanstalk describe-applications --application-names "$APP" \
        --query "length(Applications[?ApplicationName=='$APP'])")" != 0 ]
}

env_field() {  # env_field FIELD: FIELD of the live environment, or "None" when there is none
  awsq elasticbeanstalk describe-environments --application-name "$APP" --environment-names "$ENV_NAME" \
    --query "Environments[?EnvironmentName=='$ENV_NAME' && Status!='Terminated'] | [0].$1"
}

solution_stack() {  # the newest Amazon Linux 2023 Python 3.11 platform, by version number (v4.10 after v4.9)
  [ -n "$STACK" ] && { echo "$STACK"; return; }
  awsq elasticbeanstalk list-available-solution-stacks --query "SolutionStacks" | tr '\t' '\n' \
    | sed -n 's/^\(64bit Amazon Linux 2023 v\([0-9.]*\) running Python 3\.11\)$/\2 \1/p' \
    | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1 | cut -d' ' -f2-
}

events() {  # the environment's latest events, oldest first
  awsq elasticbeanstalk describe-events --application-name "$APP" --environment-name "$ENV_NAME" \
    --max-records 15 --query "reverse(Events)[].[EventDate,Severity,Message]" >&2 || true
}

wait_green() {
  local deadline=$((SECONDS + WAIT_SECONDS)) status health
  while :; do
    status=$(env_field Status)
    health=$(env_field Health)
    say "environment $ENV_NAME: $status, $health"
    [ "$status" = Ready ] && [ "$health" = Green ] && return
    [ "$status" = None ] && { events; die "environment $ENV_NAME is gone"; }
    if [ "$health" = Red ] || [ "$status" = Terminating ] || [ "$status" = Terminated ]; then
      events
      die "environment $ENV_NAME is $status and $health: its latest events are above"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      events
      die "environment $ENV_NAME not Ready and Green after ${WAIT_SECONDS}s: its latest events are above"
    fi
    sleep "$POLL_SECONDS"
  done
}

set_https_options() {  # HTTPS: the option settings of an HTTPS listener on CERTIFICATE_ARN (none without it)
  HTTPS=()
  [ -n "$CERTIFICATE_ARN" ] || return 0
  case $CERTIFICATE_ARN in
    arn:aws*:acm:*:*:certificate/*) ;;
    *) die "--certificate-arn: $CERTIFICATE_ARN is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)" ;;
  esac
  HTTPS=("Namespace=aws:elbv2:listener:443,OptionName=ListenerEnabled,Value=true"
         "Namespace=aws:elbv2:listener:443,OptionName=Protocol,Value=HTTPS"
         "Namespace=aws:elbv2:listener:443,OptionName=SSLCertificateArns,Value=$CERTIFICATE_ARN"
         "Namespace=aws:elasticbeanstalk:application:environment,OptionName=HTTPS_REDIRECT,Value=true")
}

smoke_test() {
  local url=$1
  curl -fsS --max-time 10 "$url/ping" >/dev/null || die "$url/ping is not 200"
  curl -fsS --max-time 10 -XPOST "$url/invocations" -H 'Content-Type: application/json' \
    -d '{"text": "This is great!", "language": "US"}' | grep -q '"Sentiment": "POSITIVE"' \
    || die "$url/invocations did not answer POSITIVE to the workshop payload"
  say "$url answers /ping and /invocations"
}

cmd_deploy() {
  need_aws
  local zip label key stack
  set_https_options
  zip=$(cmd_bundle)
  label=$(basename "$zip" .zip)
  key=$APP/versions/$label.zip
  ensure_bucket
  ensure_roles
  app_exists || { say "creating application $APP"; awsq elasticbeanstalk create-application --application-name "$APP" >/dev/null; }
  awsq s3 cp "$zip" "s3://$BUCKET/$key" >/dev/null
  awsq elasticbeanstalk create-application-version --application-name "$APP" --version-label "$label" \
    --source-bundle "S3Bucket=$BUCKET,S3Key=$key" >/dev/null
  if [ "$(env_field EnvironmentName)" = None ]; then
    stack=$(solution_stack)
    [ "$stack" != None ] || die "no Amazon Linux 2023 Python 3.11 platform found: set EB_SOLUTION_STACK"
    say "creating environment $ENV_NAME on $stack"
    awsq elasticbeanstalk create-environment --application-name "$APP" --environment-name "$ENV_NAME" \
      --solution-stack-name "$stack" --version-label "$label" --option-settings \
      "Namespace=aws:autoscaling:launchconfiguration,OptionName=IamInstanceProfile,Value=$INSTANCE_ROLE" \
      "Namespace=aws:elasticbeanstalk:environment,OptionName=ServiceRole,Value=$SERVICE_ROLE" "${HTTPS[@]}" >/dev/null
  else
    say "updating environment $ENV_NAME to $label"
    local update=(--environment-name "$ENV_NAME" --version-label "$label")
    [ "${#HTTPS[@]}" -eq 0 ] || update+=(--option-settings "${HTTPS[@]}")
    awsq elasticbeanstalk update-environment "${update[@]}" >/dev/null
  fi
  wait_green
  echo "http://$(env_field CNAME)"
  smoke_test "http://$(env_field CNAME)"
  [ -z "$CERTIFICATE_ARN" ] || say "HTTPS on port 443 with $CERTIFICATE_ARN: point a DNS name of the certificate at the URL above"
}

cmd_models() {
  need_aws
  [ "$(env_field EnvironmentName)" != None ] || die "no environment $ENV_NAME: run './deploy.sh deploy' first"
  local prefix=$APP/models pin
  ensure_bucket
  awsq s3 sync models/ "s3://$BUCKET/$prefix/" --delete --exclude '*.part' >/dev/null
  awsq iam put-role-policy --role-name "$INSTANCE_ROLE" --policy-name read-models --policy-document \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::$BUCKET/$prefix/*\"}]}"
  # The instances trust this manifest and no other: whoever can write to the bucket cannot swap a model.
  pin=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
        models/manifest.json)
  awsq elasticbeanstalk update-environment --environment-name "$ENV_NAME" --option-settings \
    "Namespace=aws:elasticbeanstalk:application:environment,OptionName=MODEL_SOURCE,Value=s3://$BUCKET/$prefix" \
    "Namespace=aws:elasticbeanstalk:application:environment,OptionName=MODEL_MANIFEST_SHA256,Value=$pin" >/dev/null
  wait_green
  say "MODEL_SOURCE is s3://$BUCKET/$prefix, MODEL_MANIFEST_SHA256 $pin"
}

cmd_status() {
  need_aws
  [ "$(env_field EnvironmentName)" != None ] || { say "no environment $ENV_NAME"; return; }
  awsq elasticbeanstalk describe-environments --application-name "$APP" --environment-names "$ENV_NAME" \
    --query "Environments[?EnvironmentName=='$ENV_NAME' && Status!='Terminated'].[EnvironmentName,Status,Health,VersionLabel,CNAME]"
}

cmd_destroy() {
  need_aws
  if [ "$(env_field EnvironmentName)" != None ]; then
    say "terminating environment $ENV_NAME"
    awsq elasticbeanstalk terminate-environment --environment-name "$ENV_NAME" >/dev/null
    while [ "$(env_field EnvironmentName)" != None ]; do sleep "$POLL_SECONDS"; done
  fi
  if app_exists; then
    say "deleting application $APP and its versions"
    awsq elasticbeanstalk delete-application --application-name "$APP" --terminate-env-by-force
  fi
  if exists s3api head-bucket --bucket "$BUCKET"; then
    awsq s3 rm "s3://$BUCKET/$APP/" --recursive >/dev/null
    awsq s3api delete-bucket --bucket "$BUCKET" 2>/dev/null && say "deleted bucket $BUCKET" \
      || say "bucket $BUCKET holds other objects: kept"
  fi
  if exists iam get-instance-profile --instance-profile-name "$INSTANCE_ROLE"; then
    awsq iam remove-role-from-instance-profile --instance-profile-name "$INSTANCE_ROLE" --role-name "$INSTANCE_ROLE"
    awsq iam delete-instance-profile --instance-profile-name "$INSTANCE_ROLE"
  fi
  delete_role "$INSTANCE_ROLE" AWSElasticBeanstalkWebTier
  delete_role "$SERVICE_ROLE" "${SERVICE_POLICIES[@]}"
  say "destroyed: nothing of $APP is left running (CloudWatch log groups are kept, see the README)"
}

delete_role() {  # delete_role NAME POLICY...: detach the managed POLICYs and inline policies, then delete
  local name=$1 policy
  shift
  exists iam get-role --role-name "$name" || return 0
  for policy in "$@"; do
    awsq iam detach-role-policy --role-name "$name" --policy-arn "$MANAGED_POLICY/$policy" 2>/dev/null || true
  done
  awsq iam delete-role-policy --role-name "$name" --policy-name read-models 2>/dev/null || true
  awsq iam delete-role --role-name "$name"
  say "deleted IAM role $name"
}

while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --region) REGION=${2:?--region needs a value}; shift 2 ;;
    --app) APP=${2:?--app needs a value}; shift 2 ;;
    --env) ENV_NAME=${2:?--env needs a value}; shift 2 ;;
    --bucket) BUCKET=${2:?--bucket needs a value}; shift 2 ;;
    --certificate-arn) CERTIFICATE_ARN=${2:?--certificate-arn needs a value}; shift 2 ;;
    bundle|deploy|models|status|destroy) COMMAND=$1; shift ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[ -n "${COMMAND:-}" ] || { usage >&2; exit 2; }
"cmd_$COMMAND"
