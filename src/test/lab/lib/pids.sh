# Process bookkeeping shared by the lab scripts (sourced; needs $D, the lab's state dir).
# Every process a lab starts is recorded as "pid starttime" in $D/run/NAME.pid and is stopped
# only while that same process (same pid AND same start time: pids get reused) still runs.

# starttime PID -> field 22 of /proc/PID/stat (clock ticks after boot)
starttime() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null || true; }

# running PID: the process exists and is not a zombie (dead, not yet reaped by its parent)
running() { [[ "$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null)" =~ ^[^Z]$ ]]; }

# record NAME PID -> $D/run/NAME.pid
record() { echo "$2 $(starttime "$2")" >"$D/run/$1.pid"; }

# alive NAME -> prints the pid if the recorded process still runs with the same start time
alive() {
	local f=$D/run/$1.pid pid st
	[[ -f $f ]] || return 1
	read -r pid st <"$f" || return 1
	[[ -n $pid ]] && running "$pid" && [[ "$(starttime "$pid")" == "$st" ]] || return 1
	echo "$pid"
}
