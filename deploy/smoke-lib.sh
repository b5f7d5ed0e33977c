# Helpers of the deployment smoke scripts (deploy/image-smoke.sh, deploy/compose-smoke.sh), sourced.
step() { printf '\n== %s\n' "$*"; }
# fail <what>: names the failed check (as the script's name) and exits 1; the script's EXIT trap cleans up
fail() {
  printf '%s: FAILED: %s\n' "$(basename "$0" .sh)" "$*" >&2
  exit 1
}
# the image's node, reading stdin (the host needs no Node.js)
image_node() { # image_node <engine> <image> <node arguments…>
  local engine=$1 image=$2
  shift 2
  "$engine" run --rm -i --entrypoint node "$image" "$@"
}
# the example mushroom of /v1/schema at <base URL>, as JSON
example_mushroom() { # example_mushroom <engine> <image> <base URL>
  curl -sf "$3/v1/schema" | image_node "$1" "$2" -e \
    'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s).example)))'
}
