// core/task/host.cc: the host's ports (core/task/host.h).
#include "core/task/host.h"

#include "core/kassert.h"
#include "core/log.h"
#include "ipc/kobject.h"

namespace umach::host {
namespace {
// Set once at boot, before any other CPU or task runs; read-only after.
ipc::Port* g_host_port = nullptr;
ipc::Port* g_host_priv_port = nullptr;
// What the ports stand for: the host has no state of its own yet.
char g_host_object, g_host_priv_object;
char g_version[64];
}  // namespace

void init(const char* platform) {
  if (g_host_port) return;
  ksnprintf(g_version, sizeof g_version, "umach 0.1 (%s)", platform);
  auto host = ipc::kobject_port_create(ipc::KObjectType::kHost, &g_host_object);
  auto priv = ipc::kobject_port_create(ipc::KObjectType::kHostPriv, &g_host_priv_object);
  kassert(host.ok() && priv.ok());
  g_host_port = host.value().leak_ref();
  g_host_priv_port = priv.value().leak_ref();
}

const char* kernel_version() { return g_version; }

ipc::Port* port() { return g_host_port; }
size_t permanent_ports() { return g_host_port ? 2 : 0; }
ipc::Port* priv_port() { return g_host_priv_port; }

mach_port_name_t self_name(ipc::IpcSpace& space) { return ipc::kobject_send_name(g_host_port, space); }

}  // namespace umach::host
