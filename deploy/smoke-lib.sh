# Helpers of the deployment smoke scripts (deploy/image-smoke.sh, deploy/compose-smoke.sh), sourced.
step() { printf '\n== %s\n' "$*"; }
# fail <what>: names the failed check (as the script's name) and exits 1; the script's EXIT trap cleans up
fail() {
  printf '%s: FAILED: %s\n' "$(basename "$0" .sh)" "$*" >&2
  exit 1
}
# the example mushroom of /v1/schema at <base URL>, as JSON, read by the image's node (the host needs none)
example_mushroom() { # example_mushroom <engine> <image> <base URL>
  curl -sf "$3/v1/schema" | "$1" run --rm -i --entrypoint node "$2" -e \
    'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s).example)))'
}
