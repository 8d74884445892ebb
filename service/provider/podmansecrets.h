#pragma once

#include "core/result.h"
#include "provider/podmanapi.h"
#include "provider/runtime.h"

#include <QString>

namespace berth::provider {

// A Podman deployment's secrets, kept on tmpfs only (see PodmanRuntime):
// root/<id>/<secret>/<file> (0700 directories, 0400 files) for secret
// volumes, and Podman secrets for environment variables whose file driver
// keeps its data in root/<id>/_podman.
class PodmanSecrets
{
public:
    // Makes `root` a private directory (0700, this user's) on tmpfs:
    // InvalidArgument for a relative path, Unsupported off tmpfs, IoFailed when
    // it cannot be made private.
    static Result<void> prepareRoot(const QString &root);

    PodmanSecrets(PodmanApi &api, QString root);

    const QString &root() const { return m_root; }
    QString dirFor(const QString &deploymentId) const;

    // InvalidArgument, naming each, when the pod reads a secret or key the spec
    // does not provide or names a secret file path that is not plain and relative.
    static Result<void> check(const RuntimeSpec &spec);
    // Whether the pod reads a secret through an environment variable.
    static bool usesEnvironmentSecrets(const manifest::Pod &pod);
    // Whether the pod reads any secret (files or environment).
    static bool usesSecrets(const manifest::Pod &pod);

    // Replaces the deployment's secret files and Podman secrets with the
    // spec's. InvalidArgument when the pod reads a secret or key the spec does
    // not provide; Conflict when a Podman secret of that name is not Berth's.
    Result<void> write(const RuntimeSpec &spec);
    // Removes them, Podman secrets included (also after a reboot emptied the tmpfs).
    Result<void> remove(const QString &deploymentId);

private:
    PodmanApi &m_api;
    QString m_root;
};

} // namespace berth::provider
