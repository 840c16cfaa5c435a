// edge-k8s-lab: the supervisor that runs etcd, kube-apiserver and MetalLB's
// controller for edge's tests (see ../README.md). Standard library only.
module edge.lab/k8s/labctl

go 1.22
