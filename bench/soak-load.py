"""The soak benchmark's client (bench/soak.sh): mixed signed load on the native API and S3 plus launch/terminate
cycles of a small real guest, for a given number of seconds; prints one JSON summary.
  python3 bench/soak-load.py API_URL S3_URL CREDENTIALS_JSON IMAGE_ID SECONDS [RATE]
RATE is API requests per second over all load threads (IAM reads, EC2 describes, S3 PUT and GET of 4 KiB objects
over 32 keys, so storage stays flat). Every answer is counted by status class; each 5xx is kept (first 20)."""
import json, sys, threading, time, urllib.error, urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

api, s3_url, creds_path, image, seconds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
rate = float(sys.argv[6]) if len(sys.argv) > 6 else 20.0
creds = json.load(open(creds_path))
credentials = Credentials(creds["access_key_id"], creds["secret_access_key"])
deadline = time.monotonic() + seconds
lock = threading.Lock()
counts = {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, "unanswered": 0}
by_kind = {}
faults = []
cycles = {"launched": 0, "running": 0, "terminated": 0, "failed": 0, "to_running_s": []}


def count(kind, status, detail=""):
    klass = "unanswered" if status is None else f"{status // 100}xx"
    with lock:
        counts[klass] += 1
        by_kind.setdefault(kind, {}).setdefault(klass, 0)
        by_kind[kind][klass] += 1
        if (status is None or status >= 500) and len(faults) < 20:
            faults.append({"kind": kind, "status": status, "detail": detail[:300], "at": time.strftime("%H:%M:%S")})


def native(method, path, service, body=None, kind=None):
    """One signed native API call; returns (status, parsed JSON or None)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    request = AWSRequest(method=method, url=api + path, data=data, headers=headers)
    SigV4Auth(credentials, service, "us-east-1").add_auth(request)
    prepared = urllib.request.Request(api + path, data=data, method=method, headers=dict(request.headers.items()))
    status, text = None, ""
    try:
        with urllib.request.urlopen(prepared, timeout=60) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode(errors="replace")
    except Exception as e:  # a refused connection or a timeout: no answer at all
        text = repr(e)
    count(kind or f"{method} {path.split('?')[0]}", status, text)
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, None


s3 = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1", aws_access_key_id=creds["access_key_id"],
                  aws_secret_access_key=creds["secret_access_key"],
                  config=Config(s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 1}))


def s3_call(kind, call):
    try:
        response = call()
        count(kind, response["ResponseMetadata"]["HTTPStatusCode"])
        if "Body" in response:
            response["Body"].read()
    except ClientError as e:
        count(kind, e.response["ResponseMetadata"].get("HTTPStatusCode"), str(e))
    except Exception as e:
        count(kind, None, repr(e))


def load(worker, workers):
    payload = b"s" * 4096
    interval = workers / rate
    i = 0
    next_at = time.monotonic()
    while time.monotonic() < deadline:
        key = f"soak/{worker}/{i % 16}"
        step = i % 4
        if step == 0:
            native("GET", "/api/v1/iam/users", "iam", kind="iam list-users")
        elif step == 1:
            native("GET", "/api/v1/ec2/instances", "ec2", kind="ec2 describe-instances")
        elif step == 2:
            s3_call("s3 put-object", lambda: s3.put_object(Bucket="soak", Key=key, Body=payload))
        else:
            s3_call("s3 get-object", lambda: s3.get_object(Bucket="soak", Key=f"soak/{worker}/{(i - 1) % 16}"))
        i += 1
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))


def wait_state(instance, wanted, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status, body = native("GET", f"/api/v1/ec2/instances/{instance}", "ec2", kind="ec2 describe-instance (cycle)")
        if status == 200 and body and body.get("state") == wanted:
            return True
        time.sleep(1)
    return False


def launch_cycles():
    while time.monotonic() < deadline - 30:
        started = time.monotonic()
        status, body = native("POST", "/api/v1/ec2/instances", "ec2", {"instance_type": "t2.nano", "image_id": image}, kind="ec2 run-instances")
        if status != 200 or not body:
            with lock:
                cycles["failed"] += 1
            time.sleep(5)
            continue
        instance = body["instance_id"]
        with lock:
            cycles["launched"] += 1
        if wait_state(instance, "running", 180):
            with lock:
                cycles["running"] += 1
                cycles["to_running_s"].append(round(time.monotonic() - started, 2))
            time.sleep(10)  # the guest boots and runs a little while the load goes on
        else:
            with lock:
                cycles["failed"] += 1
        native("POST", f"/api/v1/ec2/instances/{instance}/terminate", "ec2", kind="ec2 terminate-instances")
        if wait_state(instance, "terminated", 180):
            with lock:
                cycles["terminated"] += 1
        else:
            with lock:
                cycles["failed"] += 1


try:
    s3.create_bucket(Bucket="soak")
except ClientError:
    pass
workers = 2
threads = [threading.Thread(target=load, args=(w, workers)) for w in range(workers)] + [threading.Thread(target=launch_cycles)]
for t in threads:
    t.start()
for t in threads:
    t.join()
times = sorted(cycles.pop("to_running_s"))
cycles["to_running_p50_s"] = times[len(times) // 2] if times else None
print(json.dumps({"seconds": seconds, "rate": rate, "answers": counts, "by_kind": by_kind, "faults": faults, "cycles": cycles}))
