#!/usr/bin/env bash
# Deploy the sentiment service to AWS Elastic Beanstalk with the AWS CLI. `./deploy.sh --help` says how.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./deploy.sh [--region R] [--app NAME] [--env NAME] [--bucket NAME] COMMAND

Commands (each safe to run again):
  bundle    build the source bundle build/<version>.zip: what runs on the instance, nothing else
  deploy    create the application if missing, upload the bundle to S3, create an application version,
            create or update the environment, wait until it is Ready and Green, print its URL, then
            call /ping and /invocations on it
  models    upload models/ to s3://BUCKET/APP/models/, let the instances read that prefix and nothing
            else, and point the environment's MODEL_SOURCE at it
  status    show the environment's status, health, version and URL
  destroy   terminate the environment, delete the application, its versions, the uploaded objects,
            the bucket if empty, and the IAM roles this script created

Options (or environment variables):
  --region R      AWS_REGION or AWS_DEFAULT_REGION (default eu-west-1)
  --app NAME      EB_APP (default sentiment)
  --env NAME      EB_ENV (default sentiment-env)
  --bucket NAME   EB_BUCKET (default APP-ACCOUNT-REGION)
Also: EB_SOLUTION_STACK (default: the newest "Amazon Linux 2023 ... running Python 3.11" stack),
DEPLOY_WAIT_SECONDS (default 1800), DEPLOY_POLL_SECONDS (default 15).
EOF
}

REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-eu-west-1}}
APP=${EB_APP:-sentiment}
ENV_NAME=${EB_ENV:-sentiment-env}
BUCKET=${EB_BUCKET:-}
STACK=${EB_SOLUTION_STACK:-}
WAIT_SECONDS=${DEPLOY_WAIT_SECONDS:-1800}
POLL_SECONDS=${DEPLOY_POLL_SECONDS:-15}
# What the instance runs; everything else (tests, venv, caches, training data) stays out of the bundle.
BUNDLE_PATHS=(application.py gunicorn.conf.py Procfile requirements.txt openapi.yaml sentiment models templates
              static .ebextensions .platform)
MANAGED_POLICY=arn:aws:iam::aws:policy
cd "$(dirname "$0")"

die() { echo "deploy.sh: $*" >&2; exit 1; }
say() { echo "deploy.sh: $*" >&2; }
awsq() { aws --region "$REGION" --output text "$@"; }

need_aws() {
  command -v aws >/dev/null || die "the AWS CLI is not installed: pip install awscli (or see the README)"
  ACCOUNT=$(awsq sts get-caller-identity --query Account 2>/dev/null) \
    || die "no usable AWS credentials: run 'aws configure' or set AWS_PROFILE"
  BUCKET=${BUCKET:-$APP-$ACCOUNT-$REGION}
  SERVICE_ROLE=$APP-eb-service
  INSTANCE_ROLE=$APP-eb-ec2
}

cmd_bundle() {
  command -v git >/dev/null || die "git is needed to list the files of the bundle"
  local label files
  label=$APP-$(git rev-parse --short HEAD 2>/dev/null || echo dev)-$(date -u +%Y%m%d%H%M%S)
  mapfile -t files < <(git ls-files -- "${BUNDLE_PATHS[@]}")
  [ "${#files[@]}" -gt 0 ] || die "no files to bundle: run from a git checkout of the project"
  mkdir -p build
  rm -f "build/$label.zip.part"
  python3 - "build/$label.zip.part" "${files[@]}" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as bundle:
    for path in sys.argv[2:]:
        bundle.write(path, path)
PY
  mv "build/$label.zip.part" "build/$label.zip"
  say "bundle build/$label.zip (${#files[@]} files)"
  echo "build/$label.zip"
}

ensure_bucket() {
  if ! awsq s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
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
  if ! awsq iam get-role --role-name "$name" >/dev/null 2>&1; then
    say "creating IAM role $name"
    awsq iam create-role --role-name "$name" --assume-role-policy-document \
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"$service\"},\"Action\":\"sts:AssumeRole\"}]}" >/dev/null
  fi
  for policy in "$@"; do
    awsq iam attach-role-policy --role-name "$name" --policy-arn "$MANAGED_POLICY/$policy"
  done
}

ensure_roles() {
  ensure_role "$SERVICE_ROLE" elasticbeanstalk.amazonaws.com service-role/AWSElasticBeanstalkEnhancedHealth
  ensure_role "$INSTANCE_ROLE" ec2.amazonaws.com AWSElasticBeanstalkWebTier
  if ! awsq iam get-instance-profile --instance-profile-name "$INSTANCE_ROLE" >/dev/null 2>&1; then
    awsq iam create-instance-profile --instance-profile-name "$INSTANCE_ROLE" >/dev/null
    awsq iam add-role-to-instance-profile --instance-profile-name "$INSTANCE_ROLE" --role-name "$INSTANCE_ROLE"
  fi
}

app_exists() {
  [ "$(awsq elasticbeanstalk describe-applications --application-names "$APP" \
        --query "length(Applications[?ApplicationName=='$APP'])")" != 0 ]
}

env_field() {  # env_field FIELD: FIELD of the live environment, or "None" when there is none
  awsq elasticbeanstalk describe-environments --application-name "$APP" --environment-names "$ENV_NAME" \
    --query "Environments[?EnvironmentName=='$ENV_NAME' && Status!='Terminated'] | [0].$1"
}

solution_stack() {
  [ -n "$STACK" ] && { echo "$STACK"; return; }
  awsq elasticbeanstalk list-available-solution-stacks \
    --query "reverse(sort(SolutionStacks[?contains(@, 'Amazon Linux 2023') && contains(@, 'Python 3.11')])) | [0]"
}

wait_green() {
  local waited=0 status health
  while :; do
    status=$(env_field Status)
    health=$(env_field Health)
    say "environment $ENV_NAME: $status, $health"
    [ "$status" = Ready ] && [ "$health" = Green ] && return
    [ "$status" = None ] && die "environment $ENV_NAME is gone"
    [ "$waited" -ge "$WAIT_SECONDS" ] && die "environment $ENV_NAME not Ready and Green after ${WAIT_SECONDS}s: see './deploy.sh status' and the EB console's events"
    sleep "$POLL_SECONDS"
    waited=$((waited + POLL_SECONDS))
  done
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
      "Namespace=aws:elasticbeanstalk:environment,OptionName=ServiceRole,Value=$SERVICE_ROLE" >/dev/null
  else
    say "updating environment $ENV_NAME to $label"
    awsq elasticbeanstalk update-environment --environment-name "$ENV_NAME" --version-label "$label" >/dev/null
  fi
  wait_green
  echo "http://$(env_field CNAME)"
  smoke_test "http://$(env_field CNAME)"
}

cmd_models() {
  need_aws
  [ "$(env_field EnvironmentName)" != None ] || die "no environment $ENV_NAME: run './deploy.sh deploy' first"
  local prefix=$APP/models
  ensure_bucket
  awsq s3 sync models/ "s3://$BUCKET/$prefix/" --delete --exclude '*.part' >/dev/null
  awsq iam put-role-policy --role-name "$INSTANCE_ROLE" --policy-name read-models --policy-document \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::$BUCKET/$prefix/*\"}]}"
  awsq elasticbeanstalk update-environment --environment-name "$ENV_NAME" --option-settings \
    "Namespace=aws:elasticbeanstalk:application:environment,OptionName=MODEL_SOURCE,Value=s3://$BUCKET/$prefix" >/dev/null
  wait_green
  say "MODEL_SOURCE is s3://$BUCKET/$prefix"
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
  if awsq s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
    awsq s3 rm "s3://$BUCKET/$APP/" --recursive >/dev/null
    awsq s3api delete-bucket --bucket "$BUCKET" 2>/dev/null && say "deleted bucket $BUCKET" \
      || say "bucket $BUCKET holds other objects: kept"
  fi
  if awsq iam get-instance-profile --instance-profile-name "$INSTANCE_ROLE" >/dev/null 2>&1; then
    awsq iam remove-role-from-instance-profile --instance-profile-name "$INSTANCE_ROLE" --role-name "$INSTANCE_ROLE"
    awsq iam delete-instance-profile --instance-profile-name "$INSTANCE_ROLE"
  fi
  delete_role "$INSTANCE_ROLE" AWSElasticBeanstalkWebTier
  delete_role "$SERVICE_ROLE" service-role/AWSElasticBeanstalkEnhancedHealth
  say "destroyed: nothing of $APP is left running (CloudWatch log groups are kept, see the README)"
}

delete_role() {  # delete_role NAME POLICY...: detach the managed POLICYs and inline policies, then delete
  local name=$1 policy
  shift
  awsq iam get-role --role-name "$name" >/dev/null 2>&1 || return 0
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
    bundle|deploy|models|status|destroy) COMMAND=$1; shift ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[ -n "${COMMAND:-}" ] || { usage >&2; exit 2; }
"cmd_$COMMAND"
