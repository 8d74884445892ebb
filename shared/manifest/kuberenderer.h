#pragma once

#include "manifest/pod.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>

#include <optional>

namespace berth::manifest {

// How a pod becomes Kubernetes objects. Defaults give what a Kubernetes API
// server accepts; the Podman runtime sets the fields it needs for `kube play`.
//
// Names: every object is named after renderedObjectName() (options.objectName,
// else metadata.name, made a DNS label). Objects that belong to one volume or
// secret are named derivedObjectName(objectName, <volume or secret name>):
// PersistentVolumeClaim "<object>-<volume>", Secret "<object>-<secret>". The
// prefix keeps two deployments of the same manifest apart in one namespace
// (Kubernetes) or on one host (Podman's volumes and secrets are host-wide).
//
// Secrets: environment variables that come from a secret are always rendered
// as valueFrom.secretKeyRef{name: "<object>-<secret>", key}. In native mode a
// Secret object of that name is rendered. In hostPath mode (secretHostRoot set)
// no Secret object is rendered: the runtime creates a Podman secret of that name
// whose data is a JSON object of key -> base64 value (what `kube play` reads
// for secretKeyRef), and lays secret volumes out as files under
// secretHostRoot/<secret name>/<item path> (every key as its name when the
// volume lists no items).
struct RenderOptions
{
    enum class Workload
    {
        Auto,
        Pod,
        Deployment
    };
    // Auto: Deployment when replicas.max > 1 and restartPolicy is Always (the only
    // policy a Deployment allows), else Pod. A Deployment forced on a pod whose
    // restartPolicy is not Always is rendered with Always.
    Workload workload = Workload::Auto;
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
    // spec.replicas of a Deployment. Default: max(replicas.min, 1), so a fresh
    // deployment starts one replica (and shows that it runs) even when it may
    // scale to zero; the runtime's scaler moves it within [min, max] and passes
    // its current count here when it renders an update.
    std::optional<int> replicaCount;
};

// The image name a provider gives an encrypted blob after loading it:
// "localhost/berth-blob:<sha256 hex>".
QString blobImageName(const QString &sha256);

// The base name of every rendered object: options.objectName, else
// metadata.name, lower-cased and reduced to a DNS label (at most 63 characters).
QString renderedObjectName(const Pod &pod, const RenderOptions &options = {});

// "<base>-<suffix>" as a DNS label. When longer than 63 characters it is cut
// and ends in "-" plus 8 hex digits of the SHA-256 of the full name, so that
// long names stay distinct and the same input always gives the same name.
QString derivedObjectName(const QString &base, const QString &suffix);

// The objects, in apply order: Secrets, PersistentVolumeClaims, Services, then
// the Pod or Deployment.
QList<QJsonObject> renderKubernetes(const Pod &pod, const RenderOptions &options = {});

// The same objects as one multi-document YAML stream.
QByteArray renderKubernetesYaml(const Pod &pod, const RenderOptions &options = {});

} // namespace berth::manifest
