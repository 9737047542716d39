#!/usr/bin/env python3
"""Writes corpus.json: the secret scanner's labelled corpus (issue 17, item 4).

Positives: generated fakes of every credential family the scanner covers, with
valid shapes (and valid CRC-32 checksums where a family has one), embedded in
memory text such as an assistant writes. Negatives: text full of things that look
like secrets and are not (UUIDs, git SHAs, SHA-256 digests, base64 embeddings,
JWT-like strings that are not JWTs, documented example keys, placeholders,
prose about passwords, code that names a secret without holding one).

Written independently of the Swift scanner: the checksum is Python's zlib.crc32.
Every value is random (seeded): none is a real credential.

    python3 Tests/Fixtures/secrets/generate_corpus.py > Tests/Fixtures/secrets/corpus.json
"""
import base64, json, random, string, sys, zlib

rng = random.Random(20261202)
ALNUM = string.ascii_letters + string.digits
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
URLSAFE = ALNUM + "-_"
B32 = string.ascii_uppercase + "234567"
HEX = "0123456789abcdef"

def pick(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))

def crc_base62(text):
    v = zlib.crc32(text.encode())
    digits = ""
    while True:
        digits = BASE62[v % 62] + digits
        v //= 62
        if v == 0:
            break
    return digits.rjust(6, "0")

def checksummed(prefix):
    body = pick(ALNUM, 30)
    return prefix + body + crc_base62(body)

def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")

def jwt():
    header = {"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    claims = {"sub": str(rng.randrange(10**6)), "name": rng.choice(["ada", "linus", "grace"]), "iat": 1700000000 + rng.randrange(10**7)}
    return ".".join([b64url(json.dumps(header, separators=(",", ":")).encode()), b64url(json.dumps(claims).encode()), b64url(rng.randbytes(32))])

def pem(label):
    body = base64.b64encode(rng.randbytes(rng.choice([600, 900, 1190]))).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"

def openssh():
    body = base64.b64encode(b"openssh-key-v1\x00" + rng.randbytes(380)).decode()
    lines = [body[i:i + 70] for i in range(0, len(body), 70)]
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END OPENSSH PRIVATE KEY-----"

def service_account():
    key = pem("PRIVATE KEY")
    doc = {"type": "service_account", "project_id": "billing-prod-" + pick(string.digits, 4), "private_key_id": pick(HEX, 40),
           "private_key": key + "\n", "client_email": "deploy@billing-prod.iam.gserviceaccount.com"}
    return json.dumps(doc), key.replace("\n", "\\n")

def password():
    # Characters a URL's userinfo may hold as they are (RFC 3986: unreserved and sub-delims).
    return pick(ALNUM, rng.randrange(6, 10)) + rng.choice("!$*_-+~") + pick(ALNUM, rng.randrange(6, 12))

# family -> (rule id, a function returning (secret, context text with {s}))
CONTEXTS = [
    "Fixed the deploy: the CI job needed {s} in its environment; rotated after.",
    "Note to self: staging uses {s} (set in .env.local, never commit it).",
    "Debugging the 401s today. The header was built with {s} but the scope was wrong.",
    "Pasted from the vault for the migration script: {s}",
    "The integration test failed because {s} had expired; regenerate it in the dashboard.",
    "Decision: move credentials to the secret manager. Old value was {s}.",
]
ASSIGN_CONTEXTS = [
    "In config/settings.py: {name} = \"{s}\"",
    "export {name}={s}",
    "{name}: {s}",
    "Set {name} := '{s}' in the Helm values for the worker.",
    "The .env had {name}={s} which leaked into the logs.",
]

def positives():
    out = []
    def add(family, rule, secret, text):
        assert secret in text, (family, secret, text)
        out.append({"label": "secret", "family": family, "rule": rule, "secret": secret, "text": text})
    def each(n, family, rule, make, contexts=CONTEXTS):
        for i in range(n):
            s = make()
            add(family, rule, s, rng.choice(contexts).format(s=s))
    n = 24
    each(n, "AWS access key ID", "aws-access-key-id", lambda: rng.choice(["AKIA", "ASIA"]) + pick(B32, 16))
    for i in range(n):
        s = pick(ALNUM + "/+", 40)
        name = rng.choice(["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "SecretAccessKey"])
        add("AWS secret access key", "aws-secret-access-key", s, rng.choice(ASSIGN_CONTEXTS).format(name=name, s=s))
    each(n, "GitHub classic token", "github-pat", lambda: checksummed("ghp_"))
    each(n, "GitHub OAuth token", "github-oauth", lambda: checksummed("gho_"))
    each(n, "GitHub app token", "github-app-token", lambda: checksummed(rng.choice(["ghu_", "ghs_"])))
    each(n, "GitHub fine-grained token", "github-fine-grained-pat", lambda: "github_pat_" + pick(ALNUM, 22) + "_" + pick(ALNUM, 59))
    each(n, "GitLab token", "gitlab-token", lambda: rng.choice(["glpat-", "gldt-", "glrt-"]) + pick(URLSAFE, 20))
    each(n, "Slack token", "slack-token", lambda: rng.choice([
        lambda: "xoxb-" + pick(string.digits, 12) + "-" + pick(string.digits, 13) + "-" + pick(ALNUM, 24),
        lambda: "xoxp-" + pick(string.digits, 11) + "-" + pick(string.digits, 12) + "-" + pick(string.digits, 13) + "-" + pick(HEX, 32),
        lambda: "xapp-1-A" + pick(string.ascii_uppercase + string.digits, 10) + "-" + pick(string.digits, 13) + "-" + pick(HEX, 64)])())
    each(n, "Slack webhook", "slack-webhook", lambda: "https://hooks.slack.com/services/T" + pick(string.ascii_uppercase + string.digits, 8) + "/B" + pick(string.ascii_uppercase + string.digits, 10) + "/" + pick(ALNUM, 24))
    each(n, "Stripe key", "stripe-secret-key", lambda: rng.choice(["sk_live_", "rk_live_", "sk_test_"]) + pick(ALNUM, rng.choice([24, 99])))
    each(n, "OpenAI key", "openai-api-key", lambda: rng.choice(["sk-proj-", "sk-svcacct-"]) + pick(URLSAFE, 74) + "T3BlbkFJ" + pick(URLSAFE, 74))
    each(n // 2, "OpenAI key", "openai-api-key-legacy", lambda: "sk-" + pick(ALNUM, 20) + "T3BlbkFJ" + pick(ALNUM, 20))
    each(n, "Anthropic key", "anthropic-api-key", lambda: rng.choice(["sk-ant-api03-", "sk-ant-admin01-"]) + pick(URLSAFE, 93) + "AA")
    each(n, "Google API key", "google-api-key", lambda: "AIza" + pick(URLSAFE, 35))
    for i in range(n):
        doc, key = service_account()
        add("Google service-account key", "private-key", key, "Downloaded the service account for the billing export: " + doc)
    each(n, "Azure client secret", "azure-ad-client-secret", lambda: pick(ALNUM, 3) + pick(string.digits, 1) + "Q~" + pick(ALNUM + "_~.-", 34))
    for i in range(n):
        key = base64.b64encode(rng.randbytes(64)).decode()
        add("Azure storage key", "azure-storage-key", key, f"Connection string: DefaultEndpointsProtocol=https;AccountName=logs{i};AccountKey={key};EndpointSuffix=core.windows.net")
    each(n, "Twilio API key", "twilio-api-key", lambda: "SK" + pick(HEX, 32))
    each(n, "SendGrid key", "sendgrid-api-key", lambda: "SG." + pick(URLSAFE, 22) + "." + pick(URLSAFE, 43))
    each(n, "npm token", "npm-token", lambda: checksummed("npm_"))
    each(n, "PyPI token", "pypi-token", lambda: "pypi-AgEIcHlwaS5vcmc" + pick(URLSAFE, rng.choice([70, 150])))
    each(n, "Docker Hub token", "docker-hub-token", lambda: "dckr_pat_" + pick(URLSAFE, 27))
    each(n, "JWT", "jwt", jwt)
    for i in range(n):
        key = pem(rng.choice(["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"]))
        add("PEM private key", "private-key", key, "The deploy key for the build box (do not share):\n" + key + "\nIt belongs to the release role.")
    for i in range(n):
        key = openssh()
        add("OpenSSH private key", "private-key", key, "ssh into the bastion with this:\n" + key)
    for i in range(n):
        pw = password()
        scheme = rng.choice(["postgres", "postgresql", "mysql", "mongodb+srv", "redis", "amqps"])
        url = f"{scheme}://{rng.choice(['app', 'svc_orders', 'admin_ro'])}:{pw}@{rng.choice(['db.internal', '10.0.3.7', 'cluster0.ab12c.mongodb.net'])}:{rng.choice([5432, 3306, 6379, 5671])}/prod"
        add("Database or broker URL", "url-password", pw, rng.choice(CONTEXTS).format(s=url))
    for i in range(n):
        s = pick(ALNUM, rng.randrange(6, 14)) + pick(string.digits, 3) + pick(ALNUM + "_-", rng.randrange(8, 20))
        name = rng.choice(["DB_PASSWORD", "api_key", "client_secret", "auth_token", "SESSION_SECRET", "password", "apiKey"])
        add("Generic secret", "generic-secret", s, rng.choice(ASSIGN_CONTEXTS).format(name=name, s=s))
    return out

def negatives():
    out = []
    def add(kind, text):
        out.append({"label": "negative", "kind": kind, "text": text})
    import uuid
    for i in range(60):
        add("uuid", f"Session {uuid.UUID(int=rng.getrandbits(128))} stored the decision; see trace {uuid.UUID(int=rng.getrandbits(128))}.")
    for i in range(60):
        add("git sha", f"Reverted commit {pick(HEX, 40)} (merge of {pick(HEX, 7)}): the token refresh loop was wrong.")
    for i in range(60):
        add("sha-256", f"sha256sum of the release tarball: {pick(HEX, 64)}; the secret-scanning step passed.")
    for i in range(40):
        vec = base64.b64encode(rng.randbytes(1536)).decode()
        add("base64 embedding", f'{{"model":"all-MiniLM-L6-v2","dim":384,"vector":"{vec}"}}')
    for i in range(40):
        fake = "eyJ" + pick(URLSAFE, 30) + "." + "eyJ" + pick(URLSAFE, 40) + "." + pick(URLSAFE, 43)
        add("jwt-like", f"The log line carried {fake}, which is not a token (random bytes after eyJ).")
    for i in range(20):
        add("jwt-like", f"Ids look like eyJ{pick(URLSAFE, 20)} in the cache keys; they are base64 of counters.")
    examples = ["AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "AIzaSyabcdefghijklmnopqrstuvwxyz1234567", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "sk-...", "sk-proj-...",
                "xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx", "glpat-XXXXXXXXXXXXXXXXXXXX", "<YOUR_API_KEY>", "api_key = <YOUR_API_KEY>",
                "OPENAI_API_KEY=sk-your-key-here", "password = \"${DB_PASSWORD}\"", "token: {{ secrets.GITHUB_TOKEN }}",
                "postgres://user:password@localhost:5432/app", "postgres://localhost/app", "redis://:@localhost:6379",
                "export STRIPE_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx", "DOCKER_TOKEN=dckr_pat_<token>", "npm_config_cache=/tmp/npm",
                "client_secret=bP88Q~xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "password: ********", "secret = 'changeme123'",
                "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----", "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(rng.randbytes(270)).decode() + "\n-----END PUBLIC KEY-----",
                "-----BEGIN CERTIFICATE-----\n" + base64.b64encode(rng.randbytes(600)).decode() + "\n-----END CERTIFICATE-----"]
    for e in examples:
        add("documented example or placeholder", f"From the README: {e}")
    prose = ["Rotate the database password every 90 days and keep the token lifetime under an hour.",
             "The secret to fast merges is batching: one transaction, prepared statements.",
             "We discussed whether the API key should live in the keyring or in the environment.",
             "Password reset emails were delayed; the SMTP relay throttled us.",
             "Auth tokens are now scoped per project; the old global token is revoked.",
             "The tokenizer splits 'unaffable' into three word pieces.",
             "token = get_token(session)", "api_key = os.environ[\"API_KEY\"]", "secret = config.secret_value",
             "password = request.form['password']", "self.access_key = access_key", "auth: basic", "token_count: 196",
             "pwd: /home/ada/src/ai-mem", "credential_helper = osxkeychain", "private_key_path = ~/.ssh/id_ed25519",
             "The SKU is SKU-4471 and the ask is to skip the flaky test.", "sklearn and sk-learn are the same package.",
             "The color is #4f46e5 and the build id is 20261202.1", "Visit https://example.com/docs#token for details.",
             "mongodb://cluster0.example.net/?retryWrites=true", "https://ada@github.com/ada/ai-mem.git",
             "AKIA is the prefix of long-term AWS access keys; ASIA of temporary ones.",
             "GitHub tokens start with ghp_, gho_, ghu_, ghs_ or ghr_ and carry a checksum.",
             "Stripe secret keys start with sk_live_ and publishable ones with pk_live_.",
             "A JWT has three parts: header.payload.signature, each base64url.",
             "Use `ai-mem redact ID` to rewrite a memory that holds a key."]
    for p in prose:
        add("prose or code about secrets", p)
    for i in range(40):
        body = pick(ALNUM, 30)
        wrong = crc_base62(body + "x")
        add("token with a wrong checksum", f"A mistyped token from the ticket: ghp_{body}{wrong}")
    for i in range(40):
        add("identifier", f"Build artifact {pick(string.ascii_uppercase, 4)}{pick(B32, 16).lower()} and job SKIP{pick(HEX, 32)}X.")
    for i in range(40):
        add("hex and numbers", f"Trace id {pick(HEX, 32)}, span {pick(HEX, 16)}, latency {rng.randrange(10, 900)} ms.")
    for i in range(40):
        n = rng.randrange(2, 6)
        add("base64 data", "Inline image: data:image/png;base64," + base64.b64encode(rng.randbytes(300 * n)).decode())
    return out

corpus = {"about": "Labelled corpus of the secret scanner (issue 17). Generated by generate_corpus.py (seeded); every value is random, none is a real credential.",
          "positives": positives(), "negatives": negatives()}
json.dump(corpus, sys.stdout, indent=1)
sys.stdout.write("\n")
