#!/bin/bash
# Submit a sweep as a Slurm array job of SHARDS tasks, and its merge as a job that starts when
# every task has succeeded. Prints the two job ids (array, merge).
#
#   RESULTS=/shared/tl/fashion-to-digits SHARDS=8 examples/slurm/submit.sh
#
# Environment: RESULTS (required), SHARDS (default 4), EXPERIMENT, RUN_ARGS, MERGE_ARGS,
# TRANSFER_LAB (see sweep.sbatch), SBATCH_ARGS (more sbatch options for both jobs, e.g.
# "--partition=cpu --time=02:00:00").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${RESULTS:?set RESULTS to a folder that every node can write (a shared file system)}"
shards="${SHARDS:-4}"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: SHARDS must be a positive integer, got '$shards'" >&2; exit 2; }
mkdir -p "$RESULTS"
export RESULTS
# shellcheck disable=SC2086
array="$(sbatch --parsable ${SBATCH_ARGS:-} --array="0-$((shards - 1))" "$here/sweep.sbatch")"
array="${array%%;*}"
# shellcheck disable=SC2086
merge="$(sbatch --parsable ${SBATCH_ARGS:-} --dependency="afterok:$array" "$here/merge.sbatch")"
echo "$array ${merge%%;*}"
