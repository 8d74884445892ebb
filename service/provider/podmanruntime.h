#pragma once

#include "provider/podmanapi.h"
#include "provider/podmansecrets.h"
#include "provider/runtime.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <functional>
#include <memory>

namespace berth::provider {

// Runs pods on Podman through its libpod REST API on a unix socket
// (`podman system service`), never through the podman CLI.
//
// What apply() does, in order: renders the pod as one Kubernetes Pod (no
// Services, no claims), checks that every image is present, creates the
// persistent volumes once (named "berth-<id>-<volume>", labelled), removes a
// running pod of the deployment, writes the secrets, plays the Pod.
//
// Secrets live under secretRoot/<id> (tmpfs, 0700): a secret volume is the
// directory <secret>/ with one 0400 file per key, mounted read-only into the
// pod (hostPath; Podman 4.3 crashes on secret volumes backed by Secrets);
// environment variables from secrets read Podman secrets whose file driver
// keeps its data in secretRoot/<id>/_podman, not in Podman's store.
//
// Health checks become Podman health checks. Podman 4.3 runs them from systemd
// timers only; where there is none, status() runs a check that is overdue.
// Podman 4.3 does not restart a container whose check fails.
//
// Podman 4.3's kube play resolves an environment variable from a secret into
// the container's configuration, which Podman keeps in its store (on disk):
// secret volumes are the only way that keeps a value on tmpfs alone.
//
// Blocking, and not thread-safe (it keeps one HTTP connection): one instance
// per worker thread.
class PodmanRuntime final : public Runtime
{
public:
    struct Options
    {
        QString socketPath; // Podman's API socket
        QString dataDir;    // berthd's data directory: names the default secret root
        QString secretRoot; // empty: defaultSecretRoot(dataDir); must be on tmpfs
        // Podman 4.3's kube play copies the value of an environment variable
        // taken from a secret into the container's configuration in its store,
        // on disk. Off (the default), such pods are refused (Unsupported) and
        // publishers mount secrets as files; on, an operator accepts that copy.
        bool allowEnvironmentSecrets = false;
    };

    // InvalidArgument when the socket path is empty; Unsupported when the
    // secret root is not on tmpfs; IoFailed when it cannot be made private
    // (0700, owned by this user). Does not contact Podman (see ping()).
    static Result<std::unique_ptr<PodmanRuntime>> create(const Options &options);

    // $XDG_RUNTIME_DIR/berth-secrets-<hash>, else /dev/shm/berth-secrets-<hash>,
    // where <hash> names the data directory (two berthd never share one).
    static QString defaultSecretRoot(const QString &dataDir);

    const QString &secretRoot() const { return m_secrets.root(); }
    // Where a deployment's secret files are: secretRoot/<id>.
    QString secretDirFor(const QString &deploymentId) const;

    Result<void> ping() override;
    Result<void> apply(const RuntimeSpec &spec) override;
    Result<void> remove(const QString &deploymentId, bool removeVolumes) override;
    Result<void> stop(const QString &deploymentId) override;
    Result<RuntimeStatus> status(const QString &deploymentId) override;
    Result<QStringList> listPods() override;
    Result<QStringList> listVolumeOwners() override;
    Result<QList<LogLine>> logs(const QString &deploymentId, const LogQuery &query) override;
    Result<bool> hasImage(const QString &reference) override;
    Result<void> loadImage(const QString &archivePath, const QString &name) override;
    Result<void> pullImage(const QString &reference) override;

    // The Pod object apply() plays for a spec (secretRoot as the hostPath root,
    // host ports patched in, pull policy Never): what a test or a benchmark
    // plays through `podman kube play` to compare. InvalidArgument when a port
    // binding names a port that no container has.
    Result<QJsonObject> podObject(const RuntimeSpec &spec) const;

private:
    PodmanRuntime(const Options &options, QString secretRoot);

    Result<void> stopPod(const QString &podName, const QJsonObject &pod);
    // Stops the pod, calls whenStopped (if set) and removes it.
    Result<void> removePod(const QString &podName, const std::function<void()> &whenStopped = {});
    Result<void> ensureVolumes(const RuntimeSpec &spec);
    Result<QJsonObject> inspectPod(const QString &podName); // empty object: no such pod
    // Deployment ids labelled on Podman's pods or volumes ("pods", "volumes").
    Result<QStringList> deploymentIdsIn(const QString &collection, const QString &what);

    PodmanApi m_api;
    PodmanSecrets m_secrets;
    bool m_allowEnvironmentSecrets = false;
};

} // namespace berth::provider
