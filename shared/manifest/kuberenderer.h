#pragma once

#include "manifest/pod.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>

namespace berth::manifest {

// How a pod becomes Kubernetes objects. Defaults give what a Kubernetes API
// server accepts; the Podman runtime sets the fields it needs for `kube play`.
struct RenderOptions
{
    enum class Workload
    {
        Auto,
        Pod,
        Deployment
    };
    Workload workload = Workload::Auto; // Auto: Deployment when replicas.max > 1, else Pod
    QString objectName;                 // default: metadata.name
    QString namespaceName;              // empty: no metadata.namespace
    QMap<QString, QString> extraLabels; // added to every object (e.g. the deployment id)
    // Secrets as native Kubernetes Secret objects (default) or as read-only
    // hostPath directories under secretHostRoot/<secret name> (Podman 4.3
    // crashes on secret volumes backed by a Secret in the same YAML).
    QString secretHostRoot;
    // Values for the Secret objects, by secret name then key; absent keys are
    // rendered with empty values so the object shape is still complete.
    QMap<QString, QMap<QString, QByteArray>> secretValues;
    // PersistentVolumeClaim objects for persistent volumes (false: reference
    // claims that the runtime creates itself, as Podman needs).
    bool emitPersistentVolumeClaims = true;
    // Services for the pod's ports.
    bool emitServices = true;
};

// The image name a provider gives an encrypted blob after loading it.
QString blobImageName(const QString &sha256);

// The objects, in apply order: Secrets, PersistentVolumeClaims, Services, then
// the Pod or Deployment.
QList<QJsonObject> renderKubernetes(const Pod &pod, const RenderOptions &options = {});

// The same objects as one multi-document YAML stream.
QByteArray renderKubernetesYaml(const Pod &pod, const RenderOptions &options = {});

} // namespace berth::manifest
