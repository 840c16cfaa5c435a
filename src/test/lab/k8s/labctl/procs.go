package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Children are started from one goroutine locked to its OS thread, so that Pdeathsig
// (delivered when the *thread* that forked a child exits) fires only when the supervisor
// itself dies: a killed supervisor takes its children with it.
type spawnReq struct {
	cmd *exec.Cmd
	res chan error
}

var spawnCh = make(chan spawnReq)

func init() {
	go func() {
		runtime.LockOSThread()
		for r := range spawnCh {
			r.res <- r.cmd.Start()
		}
	}()
}

type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	log  *os.File
}

// startChild runs argv inside the lab namespace (ip netns exec keeps the PID: it execs),
// logging to logDir/<name>.log and recording the PID in pidDir/<name>.pid.
func startChild(name, ns string, argv []string, env []string, logDir, pidDir string) (*child, error) {
	lf, err := os.OpenFile(filepath.Join(logDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	full := append([]string{"netns", "exec", ns}, argv...)
	cmd := exec.Command("ip", full...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	r := spawnReq{cmd: cmd, res: make(chan error, 1)}
	spawnCh <- r
	if err := <-r.res; err != nil {
		lf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{}), log: lf}
	os.WriteFile(filepath.Join(pidDir, name+".pid"), []byte(fmt.Sprintf("%d\n%s\n", cmd.Process.Pid, argv[0])), 0o644)
	go func() {
		c.err = cmd.Wait()
		lf.Close()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the child's PID, waits up to grace, then SIGKILLs it.
func (c *child) stop(grace time.Duration, pidDir string) {
	defer os.Remove(filepath.Join(pidDir, c.name+".pid"))
	if c.exited() {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return
	case <-time.After(grace):
	}
	c.cmd.Process.Kill()
	<-c.done
}

// killRecorded stops a PID recorded in a pid file by a previous supervisor, but only if the
// process still runs the recorded binary (PIDs get reused).
func killRecorded(pidFile string) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 1 {
		os.Remove(pidFile)
		return
	}
	if len(lines) > 1 && !pidRuns(pid, lines[1]) {
		os.Remove(pidFile)
		return
	}
	p, _ := os.FindProcess(pid)
	p.Signal(syscall.SIGTERM)
	for i := 0; i < 100 && pidAlive(pid); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if pidAlive(pid) {
		p.Signal(syscall.SIGKILL)
	}
	os.Remove(pidFile)
}

func pidAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// state is the field after "(comm)"; Z = zombie counts as gone
	s := string(b)
	i := strings.LastIndex(s, ")")
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func pidRuns(pid int, exe string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	return strings.Contains(string(b), exe)
}
