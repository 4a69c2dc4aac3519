// Package deploy holds the example deployment files (systemd units, Kubernetes
// manifests) and the test that checks them, since no cluster runs here.
package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/unit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/caseflow/caseflow/internal/config"
)

// manifests are the Kubernetes objects of kubernetes/*.yaml, decoded strictly.
type manifests struct {
	deployments []appsv1.Deployment
	services    []corev1.Service
	configMaps  map[string]corev1.ConfigMap
	secrets     map[string]corev1.Secret
}

// loadManifests decodes every document into its typed object; a field the
// Kubernetes API does not know is an error, as kubectl --validate=strict has it.
func loadManifests(t *testing.T) manifests {
	t.Helper()
	m := manifests{configMaps: map[string]corev1.ConfigMap{}, secrets: map[string]corev1.Secret{}}
	files, err := filepath.Glob("kubernetes/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(raw), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			where := fmt.Sprintf("%s document %d", f, i+1)
			js, err := yaml.YAMLToJSON([]byte(doc))
			require.NoError(t, err, where)
			var head struct{ APIVersion, Kind string }
			require.NoError(t, json.Unmarshal(js, &head), where)
			strict := func(v any) {
				dec := json.NewDecoder(bytes.NewReader(js))
				dec.DisallowUnknownFields()
				require.NoError(t, dec.Decode(v), where)
			}
			switch head.APIVersion + " " + head.Kind {
			case "apps/v1 Deployment":
				var d appsv1.Deployment
				strict(&d)
				m.deployments = append(m.deployments, d)
			case "v1 Service":
				var s corev1.Service
				strict(&s)
				m.services = append(m.services, s)
			case "v1 ConfigMap":
				var c corev1.ConfigMap
				strict(&c)
				m.configMaps[c.Name] = c
			case "v1 Secret":
				var s corev1.Secret
				strict(&s)
				m.secrets[s.Name] = s
			default:
				t.Fatalf("%s: unexpected %s %s", where, head.APIVersion, head.Kind)
			}
		}
	}
	return m
}

// TestKubernetesManifests checks what a cluster would only find out at deploy
// or run time: selectors that select, probes on declared ports, references to
// config maps, secrets and keys that exist, flags the binary has, and a config
// file that caseflow loads under its production rules.
func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)
	flags := knownFlags(t)
	byComponent := map[string]appsv1.Deployment{}
	for _, d := range m.deployments {
		where := "Deployment " + d.Name
		require.NotNil(t, d.Spec.Selector, where)
		for k, v := range d.Spec.Selector.MatchLabels {
			assert.Equal(t, v, d.Spec.Template.Labels[k], "%s: the selector's %s does not select its pods", where, k)
		}
		require.Len(t, d.Spec.Template.Spec.Containers, 1, where)
		c := d.Spec.Template.Spec.Containers[0]
		require.NotEmpty(t, c.Args, where)
		sub := c.Args[0]
		require.Contains(t, []string{"worker", "api"}, sub, "%s: subcommand", where)
		byComponent[sub] = d
		assert.NotEmpty(t, c.Resources.Requests, "%s: resource requests", where)
		require.NotNil(t, c.LivenessProbe, "%s: liveness probe", where)
		require.NotNil(t, c.ReadinessProbe, "%s: readiness probe", where)
		ports := map[string]int32{}
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
		for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
			var port intstr.IntOrString
			switch {
			case p.HTTPGet != nil:
				assert.Equal(t, "/healthz", p.HTTPGet.Path, "%s: %s probe path", where, name)
				port = p.HTTPGet.Port
			case p.TCPSocket != nil:
				port = p.TCPSocket.Port
			default:
				t.Errorf("%s: %s probe is neither httpGet nor tcpSocket", where, name)
				continue
			}
			assert.True(t, declaredPort(ports, port), "%s: %s probe port %s is no container port", where, name, port.String())
		}
		require.NotNil(t, c.ReadinessProbe.HTTPGet, "%s: readiness asks GET /healthz (Temporal answers)", where)

		// The flags exist, and the listening flag is on the probed port.
		args := parseArgs(t, where, c.Args[1:], flags[sub])
		listen := map[string]string{"worker": "health", "api": "http"}[sub]
		_, ok := args[listen]
		assert.True(t, ok, "%s: --%s missing", where, listen)
		for _, name := range []string{"health", "http", "metrics"} {
			if addr, ok := args[name]; ok {
				assert.Equal(t, strconv.Itoa(int(ports[name])), addr[strings.LastIndex(addr, ":")+1:], "%s: --%s %s is not on the %s container port", where, name, addr, name)
			}
		}
		if port, ok := d.Spec.Template.Annotations["prometheus.io/port"]; ok {
			assert.Equal(t, strconv.Itoa(int(ports["metrics"])), port, "%s: prometheus.io/port", where)
		}
		var names []string
		for _, e := range c.Env {
			names = append(names, e.Name)
			assert.True(t, knownEnv(e.Name, flags[sub]), "%s: %s is no flag of caseflow %s", where, e.Name, sub)
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				assertKey(t, m, where, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
			}
		}
		assertRequiredKeys(t, where, names)

		// Volumes: the config map and secret exist with the keys mounted, and
		// every file an argument or variable names is mounted.
		mounts := map[string]string{}
		for _, vm := range c.VolumeMounts {
			mounts[vm.Name] = vm.MountPath
		}
		var files []string
		for _, v := range d.Spec.Template.Spec.Volumes {
			dir, ok := mounts[v.Name]
			require.True(t, ok, "%s: volume %s is not mounted", where, v.Name)
			switch {
			case v.ConfigMap != nil:
				cm, ok := m.configMaps[v.ConfigMap.Name]
				require.True(t, ok, "%s: no ConfigMap %s", where, v.ConfigMap.Name)
				for k := range cm.Data {
					files = append(files, dir+"/"+k)
				}
			case v.Secret != nil:
				require.NotEmpty(t, v.Secret.Items, "%s: secret volume %s lists its keys", where, v.Name)
				for _, it := range v.Secret.Items {
					assertKey(t, m, where, v.Secret.SecretName, it.Key)
					files = append(files, dir+"/"+it.Path)
				}
			}
		}
		var named []string
		for k, v := range args {
			if k == "config" || strings.HasSuffix(k, "-file") {
				named = append(named, v)
			}
		}
		for _, e := range c.Env {
			if strings.HasSuffix(e.Name, "_FILE") {
				named = append(named, e.Value)
			}
		}
		for _, f := range named {
			assert.Contains(t, files, f, "%s: %s is not mounted", where, f)
		}
	}
	require.Contains(t, byComponent, "worker")
	require.Contains(t, byComponent, "api")

	// The Service selects the API's pods on a port they declare.
	require.Len(t, m.services, 1)
	svc := m.services[0]
	api := byComponent["api"]
	for k, v := range svc.Spec.Selector {
		assert.Equal(t, v, api.Spec.Template.Labels[k], "Service %s selects no API pod by %s", svc.Name, k)
	}
	for _, p := range svc.Spec.Ports {
		ports := map[string]int32{}
		for _, cp := range api.Spec.Template.Spec.Containers[0].Ports {
			ports[cp.Name] = cp.ContainerPort
		}
		assert.True(t, declaredPort(ports, p.TargetPort), "Service %s: targetPort %s", svc.Name, p.TargetPort.String())
	}

	// The config file loads under caseflow's production rules.
	cm, ok := m.configMaps["caseflow-config"]
	require.True(t, ok)
	path := filepath.Join(t.TempDir(), "caseflow.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cm.Data["caseflow.yaml"]), 0o600))
	cfg, err := config.Load(path)
	require.NoError(t, err, "the ConfigMap's caseflow.yaml")
	require.NoError(t, cfg.CheckProduction(), "the ConfigMap's caseflow.yaml")
}

// TestSystemdUnits parses the units as systemd does and checks them: the
// binary's subcommand and flags, every credential used is loaded, an
// unprivileged user, hardening, a stop timeout above the graceful shutdown's.
func TestSystemdUnits(t *testing.T) {
	flags := knownFlags(t)
	units, err := filepath.Glob("systemd/*.service")
	require.NoError(t, err)
	require.Len(t, units, 3)
	for _, path := range units {
		f, err := os.Open(path)
		require.NoError(t, err)
		opts, err := unit.DeserializeOptions(f)
		_ = f.Close()
		require.NoError(t, err, path)
		get := func(section, name string) []string {
			var out []string
			for _, o := range opts {
				if o.Section == section && o.Name == name {
					out = append(out, o.Value)
				}
			}
			return out
		}
		one := func(section, name string) string {
			v := get(section, name)
			require.Len(t, v, 1, "%s: [%s] %s", path, section, name)
			return v[0]
		}
		assert.NotEmpty(t, one("Unit", "Description"), path)
		assert.Equal(t, "multi-user.target", one("Install", "WantedBy"), path)
		assert.NotEqual(t, "root", one("Service", "User"), path)
		assert.Equal(t, "yes", one("Service", "NoNewPrivileges"), path)
		assert.Equal(t, "strict", one("Service", "ProtectSystem"), path)
		assert.Equal(t, "on-failure", one("Service", "Restart"), path)
		stop, err := strconv.Atoi(one("Service", "TimeoutStopSec"))
		require.NoError(t, err, path)
		assert.GreaterOrEqual(t, stop, 20, "%s: the worker drains 10 s, the API 15 s", path)

		exec := strings.Fields(one("Service", "ExecStart"))
		require.GreaterOrEqual(t, len(exec), 2, path)
		assert.Equal(t, "/usr/local/bin/caseflow", exec[0], path)
		sub := exec[1]
		require.Contains(t, flags, sub, "%s: subcommand", path)
		assert.Equal(t, "caseflow-"+sub+".service", filepath.Base(path))
		parseArgs(t, path, exec[2:], flags[sub])

		// Every %d/NAME (the credentials directory) is loaded by LoadCredential.
		loaded := map[string]bool{}
		for _, lc := range get("Service", "LoadCredential") {
			name, src, ok := strings.Cut(lc, ":")
			require.True(t, ok, "%s: LoadCredential=%s", path, lc)
			assert.True(t, strings.HasPrefix(src, "/etc/caseflow/credentials/"), "%s: %s", path, src)
			loaded[name] = true
		}
		var used []string
		for _, o := range opts {
			for _, m := range regexp.MustCompile(`%d/([a-z-]+)`).FindAllStringSubmatch(o.Value, -1) {
				used = append(used, m[1])
			}
		}
		require.NotEmpty(t, used, "%s: secrets come as credentials", path)
		for _, u := range used {
			assert.True(t, loaded[u], "%s: %%d/%s is not loaded by LoadCredential", path, u)
		}
		var names []string
		for _, e := range get("Service", "Environment") {
			name, _, _ := strings.Cut(e, "=")
			names = append(names, name)
			assert.True(t, knownEnv(name, flags[sub]), "%s: %s", path, name)
		}
		if sub == "worker" || sub == "api" {
			assertRequiredKeys(t, path, names)
		}
	}

	// The shared environment file names flags the worker or the API has.
	raw, err := os.ReadFile("systemd/caseflow.env")
	require.NoError(t, err)
	for line := range strings.SplitSeq(string(raw), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "#")
		name, _, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(name, "CASEFLOW_") {
			continue
		}
		assert.True(t, knownEnv(name, flags["worker"]) || knownEnv(name, flags["api"]), "caseflow.env: %s is no flag of caseflow worker or api", name)
	}
}

// knownFlags reads the flags of each subcommand from cmd/caseflow's source: the
// fs.XxxVar / fs.Xxx calls of its newXxxCmd function and of the flag groups
// (common, temporalFlags, …) whose register it calls. Reading the source keeps
// the Temporal server out of this test's binary.
func knownFlags(t *testing.T) map[string]map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../cmd/caseflow/*.go")
	require.NoError(t, err)
	var src strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		src.Write(b)
		src.WriteByte('\n')
	}
	text := src.String()
	flagRe := regexp.MustCompile(`fs\.\w+\((?:&[\w.]+,\s*)?"([a-z0-9-]+)"`)
	// funcs maps a function's name to its body, split at top-level "func ".
	funcs := map[string]string{}
	for _, part := range strings.Split(text, "\nfunc ")[1:] {
		name := part[:strings.IndexAny(part, "(")]
		if strings.HasPrefix(part, "(") { // a method: (r *T) name(
			rest := part[strings.Index(part, ")")+1:]
			name = strings.TrimSpace(part[1:strings.Index(part, ")")]) + "." + strings.TrimSpace(rest[:strings.Index(rest, "(")])
		}
		funcs[name] = part
	}
	flagsOf := func(body string) map[string]bool {
		out := map[string]bool{}
		for _, m := range flagRe.FindAllStringSubmatch(body, -1) {
			out[m[1]] = true
		}
		return out
	}
	// The flag groups: a receiver's register (and what it calls on itself).
	groups := map[string]map[string]bool{}
	for name, body := range funcs {
		recv, method, ok := strings.Cut(name, ".")
		if !ok || !strings.HasPrefix(method, "register") {
			continue
		}
		typ := strings.TrimPrefix(strings.Fields(recv)[1], "*")
		if groups[typ] == nil {
			groups[typ] = map[string]bool{}
		}
		for f := range flagsOf(body) {
			groups[typ][f] = true
		}
	}
	out := map[string]map[string]bool{}
	for sub, fn := range map[string]string{"worker": "newWorkerCmd", "api": "newAPICmd", "server": "newServerCmd", "dev": "newDevCmd"} {
		body, ok := funcs[fn]
		require.True(t, ok, "cmd/caseflow has no func %s", fn)
		fl := flagsOf(body)
		for _, m := range regexp.MustCompile(`(?m)^\s*(\w+)\s+(\w+)\s*$`).FindAllStringSubmatch(body, -1) {
			for f := range groups[m[2]] { // a var of a flag group type, e.g. "t temporalFlags"
				fl[f] = true
			}
		}
		require.NotEmpty(t, fl, fn)
		out[sub] = fl
	}
	require.True(t, out["worker"]["temporal-address"] && out["worker"]["config"] && out["worker"]["health"], "flag discovery: %v", out["worker"])
	return out
}

// parseArgs checks args against the subcommand's flags and returns them by name.
func parseArgs(t *testing.T, where string, args []string, known map[string]bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		require.True(t, strings.HasPrefix(a, "--"), "%s: %q is not a flag", where, a)
		name, value, has := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		require.True(t, known[name], "%s: --%s is no flag of caseflow", where, name)
		if !has && name != "behind-tls-proxy" && name != "temporal-insecure-network" {
			require.Less(t, i+1, len(args), "%s: --%s has no value", where, name)
			i++
			value = args[i]
		}
		out[name] = value
	}
	return out
}

// knownEnv reports whether a CASEFLOW_ variable is a flag's twin (ff maps
// --temporal-address to CASEFLOW_TEMPORAL_ADDRESS) or one caseflow reads itself.
func knownEnv(name string, flags map[string]bool) bool {
	if slices.Contains([]string{"CASEFLOW_CODEC_KEY", "CASEFLOW_CODEC_KEY_FILE", "CASEFLOW_EVENT_KEY", "CASEFLOW_EVENT_KEY_FILE"}, name) {
		return true
	}
	flag := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "CASEFLOW_"), "_", "-"))
	return strings.HasPrefix(name, "CASEFLOW_") && flags[flag]
}

func declaredPort(ports map[string]int32, p intstr.IntOrString) bool {
	if p.Type == intstr.String {
		_, ok := ports[p.StrVal]
		return ok
	}
	for _, n := range ports {
		if n == p.IntVal {
			return true
		}
	}
	return false
}

func assertKey(t *testing.T, m manifests, where, secret, key string) {
	t.Helper()
	s, ok := m.secrets[secret]
	if !assert.True(t, ok, "%s: no Secret %s", where, secret) {
		return
	}
	_, inString := s.StringData[key]
	_, inData := s.Data[key]
	assert.True(t, inString || inData, "%s: Secret %s has no key %s", where, secret, key)
}

// assertRequiredKeys: caseflow api and worker refuse to start without a codec
// key and an event-signing key, so every unit and deployment gives both.
func assertRequiredKeys(t *testing.T, where string, env []string) {
	t.Helper()
	for _, want := range [][]string{{"CASEFLOW_CODEC_KEY", "CASEFLOW_CODEC_KEY_FILE"}, {"CASEFLOW_EVENT_KEY", "CASEFLOW_EVENT_KEY_FILE"}} {
		assert.True(t, slices.ContainsFunc(env, func(n string) bool { return slices.Contains(want, n) }), "%s: gives neither %s", where, strings.Join(want, " nor "))
	}
}
