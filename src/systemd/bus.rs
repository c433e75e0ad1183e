//! systemd's manager on the system bus (org.freedesktop.systemd1), through zbus's blocking API:
//! connecting, ListUnits, and the properties `systemd-analyze security` reads for one unit.

use std::collections::HashMap;
use std::time::Duration;

use zbus::blocking::Connection;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

use crate::assess::online::{BusIpEntry, UnitProperties};

/// The system bus when `DBUS_SYSTEM_BUS_ADDRESS` is not set.
pub const DEFAULT_SYSTEM_BUS: &str = "unix:path=/run/dbus/system_bus_socket";

const DESTINATION: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER_IFACE: &str = "org.freedesktop.systemd1.Manager";
const PROPERTIES_IFACE: &str = "org.freedesktop.DBus.Properties";
const JOB_IFACE: &str = "org.freedesktop.systemd1.Job";

/// How long one method call may take before we give up on the manager.
const METHOD_TIMEOUT: Duration = Duration::from_secs(25);

/// A failed bus operation, with what was being done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {message}")]
pub struct BusError {
    pub what: String,
    pub message: String,
}

impl BusError {
    fn new(what: impl Into<String>, e: impl std::fmt::Display) -> Self {
        BusError {
            what: what.into(),
            message: e.to_string(),
        }
    }
}

/// The system bus address: `DBUS_SYSTEM_BUS_ADDRESS`, else [`DEFAULT_SYSTEM_BUS`].
pub fn system_bus_address() -> String {
    std::env::var("DBUS_SYSTEM_BUS_ADDRESS")
        .ok()
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| DEFAULT_SYSTEM_BUS.to_string())
}

/// The calling user's session bus, where the user manager answers: `$DBUS_SESSION_BUS_ADDRESS`,
/// else `$XDG_RUNTIME_DIR/bus`.
pub fn session_bus_address() -> String {
    std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .ok()
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| {
            let runtime = std::env::var("XDG_RUNTIME_DIR").unwrap_or_default();
            format!("unix:path={runtime}/bus")
        })
}

/// A unit as ListUnits reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedUnit {
    pub id: String,
    pub description: String,
    pub load_state: String,
    pub active_state: String,
    pub sub_state: String,
}

/// A connection to a running systemd manager.
pub struct Manager {
    conn: Connection,
    version: String,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Manager {
    /// Connects to the system bus and asks the manager for its Version: succeeds only when a
    /// systemd manager is reachable.
    pub fn connect() -> Result<Self, BusError> {
        Self::connect_to(&system_bus_address())
    }

    pub fn connect_to(address: &str) -> Result<Self, BusError> {
        let conn = zbus::blocking::connection::Builder::address(address)
            .and_then(|b| b.method_timeout(METHOD_TIMEOUT).build())
            .map_err(|e| BusError::new(format!("cannot connect to the system bus {address}"), e))?;
        let version = get_property(&conn, MANAGER_PATH, MANAGER_IFACE, "Version")
            .and_then(|v| match &*v {
                Value::Str(s) => Ok(s.as_str().to_string()),
                other => Err(format!("unexpected type {}", other.value_signature())),
            })
            .map_err(|e| BusError::new("no systemd manager on the system bus", e))?;
        Ok(Manager { conn, version })
    }

    /// The manager's version string, e.g. `252.39-1~deb12u2`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The leading number of [`Self::version`].
    pub fn major_version(&self) -> Option<u32> {
        let digits: String = self
            .version
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }

    /// Manager.ListUnits: the units currently loaded in memory, in the manager's order.
    pub fn list_units(&self) -> Result<Vec<ListedUnit>, BusError> {
        type Row = (
            String,
            String,
            String,
            String,
            String,
            String,
            OwnedObjectPath,
            u32,
            String,
            OwnedObjectPath,
        );
        let reply = self
            .conn
            .call_method(
                Some(DESTINATION),
                MANAGER_PATH,
                Some(MANAGER_IFACE),
                "ListUnits",
                &(),
            )
            .map_err(|e| BusError::new("Failed to list units", e))?;
        let rows: Vec<Row> = reply
            .body()
            .deserialize()
            .map_err(|e| BusError::new("Failed to list units", e))?;
        Ok(rows
            .into_iter()
            .map(|r| ListedUnit {
                id: r.0,
                description: r.1,
                load_state: r.2,
                active_state: r.3,
                sub_state: r.4,
            })
            .collect())
    }

    /// Every property of the unit's object (Properties.GetAll with an empty interface, as
    /// systemd's bus_map_all_properties() does), read into the analyze-security bus map.
    /// Asking for a unit that is not loaded makes the manager try to load it.
    pub fn unit_properties(&self, name: &str) -> Result<UnitProperties, BusError> {
        let map = self.raw_properties(name)?;
        read_properties(&map).map_err(|e| BusError::new("Failed to get unit properties", e))
    }
}

impl Manager {
    fn call<B>(
        &self,
        path: &str,
        iface: &str,
        method: &str,
        args: &B,
    ) -> Result<zbus::Message, String>
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
    {
        self.conn
            .call_method(Some(DESTINATION), path, Some(iface), method, args)
            .map_err(|e| e.to_string())
    }

    /// Manager.Reload (`systemctl daemon-reload`): the reply comes once the reload is done.
    pub fn reload(&self) -> Result<(), BusError> {
        self.call(MANAGER_PATH, MANAGER_IFACE, "Reload", &())
            .map(drop)
            .map_err(|e| BusError::new("Failed to reload the manager", e))
    }

    /// Manager.ResetFailedUnit: clears a failed state and the start rate limit.
    pub fn reset_failed(&self, unit: &str) -> Result<(), BusError> {
        self.call(MANAGER_PATH, MANAGER_IFACE, "ResetFailedUnit", &(unit))
            .map(drop)
            .map_err(|e| BusError::new(format!("Failed to reset {unit}"), e))
    }

    /// Queues a job for `unit` with Manager.`method` (StartUnit, StopUnit, RestartUnit,
    /// TryRestartUnit) in "replace" mode and waits until the manager has finished it, as
    /// `systemctl` does; the job's outcome is read from the unit's state afterwards.
    pub fn run_job(&self, method: &str, unit: &str, timeout: Duration) -> Result<(), BusError> {
        let what = format!("Failed to {} {unit}", job_verb(method));
        let reply = self
            .call(MANAGER_PATH, MANAGER_IFACE, method, &(unit, "replace"))
            .map_err(|e| BusError::new(&what, e))?;
        let job: OwnedObjectPath = reply
            .body()
            .deserialize()
            .map_err(|e| BusError::new(&what, e))?;
        let start = std::time::Instant::now();
        // The job object exists until the job is done: poll it (a JobRemoved subscription would
        // need a second connection for the signal stream; jobs take milliseconds to seconds).
        while get_property(&self.conn, job.as_str(), JOB_IFACE, "State").is_ok() {
            if start.elapsed() > timeout {
                return Err(BusError::new(
                    &what,
                    format!(
                        "its job {} did not finish within {}s",
                        job.as_str(),
                        timeout.as_secs()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Ok(())
    }

    /// Every property of the unit's object (all interfaces), as the bus gives them.
    pub fn raw_properties(&self, name: &str) -> Result<HashMap<String, OwnedValue>, BusError> {
        let what = "Failed to get unit properties";
        let reply = self
            .call(
                unit_object_path(name).as_str(),
                PROPERTIES_IFACE,
                "GetAll",
                &(""),
            )
            .map_err(|e| BusError::new(what, e))?;
        reply
            .body()
            .deserialize()
            .map_err(|e| BusError::new(what, e))
    }
}

fn job_verb(method: &str) -> &'static str {
    match method {
        "StartUnit" => "start",
        "StopUnit" => "stop",
        "TryRestartUnit" => "try-restart",
        _ => "restart",
    }
}

fn get_property(
    conn: &Connection,
    path: &str,
    iface: &str,
    name: &str,
) -> Result<OwnedValue, String> {
    let reply = conn
        .call_method(
            Some(DESTINATION),
            path,
            Some(PROPERTIES_IFACE),
            "Get",
            &(iface, name),
        )
        .map_err(|e| e.to_string())?;
    reply.body().deserialize().map_err(|e| e.to_string())
}

/// systemd's unit_dbus_path_from_name(): bus_label_escape() of the name (every byte that is
/// not an ASCII letter or digit becomes `_` and two lower-case hex digits).
pub fn unit_object_path(name: &str) -> String {
    let mut path = String::from("/org/freedesktop/systemd1/unit/");
    if name.is_empty() {
        path.push('_');
    }
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() {
            path.push(b as char);
        } else {
            path.push_str(&format!("_{b:02x}"));
        }
    }
    path
}

/// The analyze-security bus map (systemd 252 `acquire_security_info()`): only these
/// properties are read; the others are ignored.
fn read_properties(map: &HashMap<String, OwnedValue>) -> Result<UnitProperties, String> {
    let mut p = UnitProperties::default();
    for (name, value) in map {
        let v: &Value = value;
        let bad = || {
            format!(
                "property {name} has the unexpected type {}",
                v.value_signature()
            )
        };
        match name.as_str() {
            "AmbientCapabilities" => p.ambient_capabilities = as_u64(v).ok_or_else(bad)?,
            "CapabilityBoundingSet" => p.capability_bounding_set = as_u64(v).ok_or_else(bad)?,
            "DefaultDependencies" => p.default_dependencies = as_bool(v).ok_or_else(bad)?,
            "Delegate" => p.delegate = as_bool(v).ok_or_else(bad)?,
            "DeviceAllow" => p.device_allow = as_string_pairs(v).ok_or_else(bad)?,
            "DevicePolicy" => p.device_policy = as_opt_string(v).ok_or_else(bad)?,
            "DynamicUser" => p.dynamic_user = as_bool(v).ok_or_else(bad)?,
            "FragmentPath" => p.fragment_path = as_opt_string(v).ok_or_else(bad)?,
            "IPAddressAllow" => p.ip_address_allow = as_ip_entries(v).ok_or_else(bad)?,
            "IPAddressDeny" => p.ip_address_deny = as_ip_entries(v).ok_or_else(bad)?,
            "IPIngressFilterPath" => p.ip_ingress_filter_path = as_strv(v).ok_or_else(bad)?,
            "IPEgressFilterPath" => p.ip_egress_filter_path = as_strv(v).ok_or_else(bad)?,
            "Id" => p.id = as_opt_string(v).ok_or_else(bad)?,
            "KeyringMode" => p.keyring_mode = as_opt_string(v).ok_or_else(bad)?,
            "ProtectProc" => p.protect_proc = as_opt_string(v).ok_or_else(bad)?,
            "ProcSubset" => p.proc_subset = as_opt_string(v).ok_or_else(bad)?,
            "LoadState" => p.load_state = as_opt_string(v).ok_or_else(bad)?,
            "LockPersonality" => p.lock_personality = as_bool(v).ok_or_else(bad)?,
            "MemoryDenyWriteExecute" => p.memory_deny_write_execute = as_bool(v).ok_or_else(bad)?,
            "NoNewPrivileges" => p.no_new_privileges = as_bool(v).ok_or_else(bad)?,
            "NotifyAccess" => p.notify_access = as_opt_string(v).ok_or_else(bad)?,
            "PrivateDevices" => p.private_devices = as_bool(v).ok_or_else(bad)?,
            "PrivateMounts" => p.private_mounts = as_bool(v).ok_or_else(bad)?,
            "PrivateNetwork" => p.private_network = as_bool(v).ok_or_else(bad)?,
            "PrivateTmp" => p.private_tmp = as_bool(v).ok_or_else(bad)?,
            "PrivateUsers" => p.private_users = as_bool(v).ok_or_else(bad)?,
            "ProtectControlGroups" => p.protect_control_groups = as_bool(v).ok_or_else(bad)?,
            "ProtectHome" => p.protect_home = as_opt_string(v).ok_or_else(bad)?,
            "ProtectHostname" => p.protect_hostname = as_bool(v).ok_or_else(bad)?,
            "ProtectKernelModules" => p.protect_kernel_modules = as_bool(v).ok_or_else(bad)?,
            "ProtectKernelTunables" => p.protect_kernel_tunables = as_bool(v).ok_or_else(bad)?,
            "ProtectKernelLogs" => p.protect_kernel_logs = as_bool(v).ok_or_else(bad)?,
            "ProtectClock" => p.protect_clock = as_bool(v).ok_or_else(bad)?,
            "ProtectSystem" => p.protect_system = as_opt_string(v).ok_or_else(bad)?,
            "RemoveIPC" => p.remove_ipc = as_bool(v).ok_or_else(bad)?,
            "RestrictAddressFamilies" => {
                p.restrict_address_families = Some(as_bool_strv(v).ok_or_else(bad)?)
            }
            "RestrictNamespaces" => p.restrict_namespaces = as_u64(v).ok_or_else(bad)?,
            "RestrictRealtime" => p.restrict_realtime = as_bool(v).ok_or_else(bad)?,
            "RestrictSUIDSGID" => p.restrict_suid_sgid = as_bool(v).ok_or_else(bad)?,
            "RootDirectory" => p.root_directory = as_opt_string(v).ok_or_else(bad)?,
            "RootImage" => p.root_image = as_opt_string(v).ok_or_else(bad)?,
            "SupplementaryGroups" => p.supplementary_groups = as_strv(v).ok_or_else(bad)?,
            "SystemCallArchitectures" => {
                p.system_call_architectures = as_strv(v).ok_or_else(bad)?
            }
            "SystemCallFilter" => p.system_call_filter = Some(as_bool_strv(v).ok_or_else(bad)?),
            "Type" => p.service_type = as_opt_string(v).ok_or_else(bad)?,
            "UMask" => p.umask = as_u32(v).ok_or_else(bad)?,
            "User" => p.user = as_opt_string(v).ok_or_else(bad)?,
            _ => {}
        }
    }
    Ok(p)
}

/// Unwraps a variant nested in a variant.
pub(crate) fn inner<'v>(v: &'v Value<'v>) -> &'v Value<'v> {
    match v {
        Value::Value(b) => inner(b),
        other => other,
    }
}

pub(crate) fn as_bool(v: &Value) -> Option<bool> {
    match inner(v) {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

pub(crate) fn as_u64(v: &Value) -> Option<u64> {
    match inner(v) {
        Value::U64(x) => Some(*x),
        _ => None,
    }
}

pub(crate) fn as_u32(v: &Value) -> Option<u32> {
    match inner(v) {
        Value::U32(x) => Some(*x),
        _ => None,
    }
}

pub(crate) fn as_str<'v>(v: &'v Value<'v>) -> Option<&'v str> {
    match inner(v) {
        Value::Str(s) => Some(s.as_str()),
        Value::ObjectPath(p) => Some(p.as_str()),
        _ => None,
    }
}

/// A string property; an empty string reads as unset (systemd's map_basic()).
pub(crate) fn as_opt_string(v: &Value) -> Option<Option<String>> {
    as_str(v).map(|s| (!s.is_empty()).then(|| s.to_string()))
}

pub(crate) fn as_strv(v: &Value) -> Option<Vec<String>> {
    match inner(v) {
        Value::Array(a) => a
            .inner()
            .iter()
            .map(|e| as_str(e).map(str::to_string))
            .collect(),
        _ => None,
    }
}

pub(crate) fn fields<'v>(v: &'v Value<'v>) -> Option<&'v [Value<'v>]> {
    match inner(v) {
        Value::Structure(s) => Some(s.fields()),
        _ => None,
    }
}

/// `(bas)`: RestrictAddressFamilies=, SystemCallFilter=.
fn as_bool_strv(v: &Value) -> Option<(bool, Vec<String>)> {
    match fields(v)? {
        [b, l] => Some((as_bool(b)?, as_strv(l)?)),
        _ => None,
    }
}

/// `a(ss)`: DeviceAllow=.
fn as_string_pairs(v: &Value) -> Option<Vec<(String, String)>> {
    match inner(v) {
        Value::Array(a) => a
            .inner()
            .iter()
            .map(|e| match fields(e)? {
                [x, y] => Some((as_str(x)?.to_string(), as_str(y)?.to_string())),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// `a(iayu)`: IPAddressAllow=, IPAddressDeny=.
fn as_ip_entries(v: &Value) -> Option<Vec<BusIpEntry>> {
    match inner(v) {
        Value::Array(a) => a
            .inner()
            .iter()
            .map(|e| match fields(e)? {
                [
                    Value::I32(family),
                    Value::Array(bytes),
                    Value::U32(prefix_len),
                ] => Some(BusIpEntry {
                    family: *family,
                    address: bytes
                        .inner()
                        .iter()
                        .map(|b| match b {
                            Value::U8(x) => Some(*x),
                            _ => None,
                        })
                        .collect::<Option<Vec<u8>>>()?,
                    prefix_len: *prefix_len,
                }),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_paths_are_bus_label_escaped() {
        assert_eq!(
            unit_object_path("nginx.service"),
            "/org/freedesktop/systemd1/unit/nginx_2eservice"
        );
        assert_eq!(
            unit_object_path("postgresql@15-main.service"),
            "/org/freedesktop/systemd1/unit/postgresql_4015_2dmain_2eservice"
        );
    }
}
