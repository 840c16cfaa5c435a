# Helpers of the benchmark scripts (sourced): timing one command and summarising a list of numbers.

# "median s (min-max)" of the numbers on stdin
stats() { sort -n | awk '{ a[NR] = $1 } END { printf "%.2f s (%.2f-%.2f)", a[int((NR + 1) / 2)], a[1], a[NR] }'; }

# timed CMD...: runs CMD with its output discarded; appends its wall time to the array walls, its CPU time
# (user+sys) to cpus and its exit code to codes (the caller declares the three arrays)
timed() {
	local t
	t=$(mktemp)
	/usr/bin/time -f '%e %U %S' -o "$t" "$@" >/dev/null 2>&1 && codes+=(0) || codes+=($?)
	# (GNU time writes "Command exited with non-zero status N" first when the command fails: the numbers are last)
	read -r w u s < <(tail -n 1 "$t")
	rm -f "$t"
	walls+=("$w")
	cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
}

# scale_inventory DIR GROUP_VARS NODES FIREWALLS: an inventory in DIR with GROUP_VARS (a group_vars directory),
# a k8s group of NODES nodes (node0...: addresses 192.168.4.11 and up, then 192.168.5.x; configuration only,
# the benchmarks never contact them) and FIREWALLS, the text of the firewalls group
scale_inventory() {
	mkdir -p "$1"
	cp -r "$2" "$1/"
	{
		echo "all:"
		echo "  children:"
		echo "    k8s:"
		echo "      hosts:"
		for ((i = 0; i < $3; i++)); do
			echo "        node$i: {ansible_host: 192.168.$((4 + (i + 11) / 250)).$((1 + (i + 10) % 250))}"
		done
		echo "$4"
	} >"$1/hosts.yml"
}
