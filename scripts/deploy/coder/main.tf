# meduse's Coder template for Kubernetes (see README.md beside this file and
# docs/how-to/coder-template.md).  It follows the structure of Coder's
# official Kubernetes template (examples/templates/kubernetes/main.tf), with
# what meduse needs on top:
#   - the five parameters accountd sends when it creates a workspace
#     (namespace, cpu, memory, gpu, home_pvc), whose values are Kubernetes
#     quantities as strings ("1500m", "32Gi");
#   - the workspace runs in the account's namespace and mounts the account's
#     home PVC, which meduse made and keeps (this template makes no PVC);
#   - the labels meduse's resolver finds the pod by, pinned;
#   - an OpenSSH server on the pod's port 22 that trusts the meduse-ssh
#     Secret (the account's gateway key), which is what meduse-sshd logs in
#     to; a readiness probe on that port, since the resolver only uses a
#     Ready pod.
#   - the account's MinIO credentials (Secret meduse-minio, optional) as
#     AWS_* variables, and its dvc-config as DVC's system config
#     (/etc/xdg/dvc/config), so boto3, MLflow and DVC need no setup.
#
# tests/integration/t-coder-template.sh reads this file (python3-pyhcl) and
# applies the Deployment it describes to the strict fake Kubernetes API.
# Keep expressions within what tests/fakes/render_template.py evaluates:
# references, "${...}" interpolation, file(), and `a == "b" ? x : y`.

terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
    kubernetes = {
      source = "hashicorp/kubernetes"
    }
  }
}

provider "coder" {
}

variable "use_kubeconfig" {
  type        = bool
  description = <<-EOF
  Use host kubeconfig? (true/false)

  Set this to false if the Coder host is itself running as a Pod on the same
  Kubernetes cluster as you are deploying workspaces to.

  Set this to true if the Coder host is running outside the Kubernetes cluster
  for workspaces.  A valid "~/.kube/config" must be present on the Coder host.
  EOF
  default     = false
}

variable "image" {
  type        = string
  description = "The workspace image. It must have bash, util-linux (runuser), shadow's useradd, and OpenSSH's sshd (openssh-server) or apt-get to install it at start."
  default     = "codercom/enterprise-base:ubuntu"
}

variable "uid" {
  type        = number
  description = "The numeric user and group id of the workspace user (the account name)."
  default     = 1000
}

variable "gpu_node_selector" {
  type        = map(string)
  description = "Node labels a workspace with GPUs must land on, e.g. {\"nvidia.com/gpu.present\" = \"true\"}. Empty: any node with the GPUs."
  default     = {}
}

locals {
  # The Coder username is the account name: it is also the Linux user that
  # meduse-sshd logs in as (route.static.user "" means the account name).
  user = data.coder_workspace_owner.me.name
  home = "/home/${data.coder_workspace_owner.me.name}"
  # A workspace without GPUs gets no GPU node selector and no toleration.
  no_node_selector = {}
  no_tolerations   = []
  gpu_tolerations  = ["nvidia.com/gpu"]
}

# --- the parameters accountd sends (accountd/kdesired.c) -------------------
# They come from the account's quota: when meduse creates the workspace, and
# with every start meduse asks for (a login, meduse start or restart), so a
# changed quota applies at the next start.  namespace and home_pvc are where
# the workspace lives: they cannot change.  A start from Coder's own UI
# reuses the last build's values; the namespace's ResourceQuota caps them.

data "coder_parameter" "namespace" {
  name         = "namespace"
  display_name = "Namespace"
  description  = "The account's Kubernetes namespace (set by meduse)."
  type         = "string"
  mutable      = false
  validation {
    regex = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
    error = "A namespace is a DNS label: lower-case letters, digits and '-'."
  }
}

data "coder_parameter" "cpu" {
  name         = "cpu"
  display_name = "CPU"
  description  = "CPU cores of the workspace, as a Kubernetes quantity (\"4\", \"1500m\")."
  type         = "string"
  default      = "2"
  mutable      = true
  validation {
    regex = "^([0-9]+(\\.[0-9]+)?|[0-9]+m)$"
    error = "CPU is a Kubernetes quantity such as 4, 0.5 or 1500m."
  }
}

data "coder_parameter" "memory" {
  name         = "memory"
  display_name = "Memory"
  description  = "Memory of the workspace, as a Kubernetes quantity (\"32Gi\")."
  type         = "string"
  default      = "8Gi"
  mutable      = true
  validation {
    regex = "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$"
    error = "Memory is a Kubernetes quantity such as 32Gi or 512Mi."
  }
}

data "coder_parameter" "gpu" {
  name         = "gpu"
  display_name = "GPUs"
  description  = "NVIDIA GPUs of the workspace (nvidia.com/gpu), a whole number."
  type         = "number"
  default      = "0"
  mutable      = true
  validation {
    min = 0
    max = 64
  }
}

data "coder_parameter" "home_pvc" {
  name         = "home_pvc"
  display_name = "Home volume"
  description  = "The PersistentVolumeClaim mounted as the home directory (made by meduse)."
  type         = "string"
  default      = "home"
  mutable      = false
}

provider "kubernetes" {
  # Authenticate via ~/.kube/config or a Coder-specific ServiceAccount, depending on admin preferences
  config_path = var.use_kubeconfig ? "~/.kube/config" : null
}

data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
  dir  = local.home

  metadata {
    display_name = "CPU Usage"
    key          = "0_cpu_usage"
    script       = "coder stat cpu"
    interval     = 10
    timeout      = 1
  }

  metadata {
    display_name = "RAM Usage"
    key          = "1_ram_usage"
    script       = "coder stat mem"
    interval     = 10
    timeout      = 1
  }

  metadata {
    display_name = "Home Disk"
    key          = "3_home_disk"
    script       = "coder stat disk --path $${HOME}"
    interval     = 60
    timeout      = 1
  }
}

# --- the workspace ----------------------------------------------------------
# The home PVC belongs to meduse (accountd/kdesired.c): it outlives the
# workspace and is shared by the account's workspaces, so it is only
# referenced here.

resource "kubernetes_deployment" "main" {
  count            = data.coder_workspace.me.start_count
  wait_for_rollout = false
  metadata {
    name      = "coder-${data.coder_workspace.me.id}"
    namespace = data.coder_parameter.namespace.value
    labels = {
      "app.kubernetes.io/name"     = "coder-workspace"
      "app.kubernetes.io/instance" = "coder-workspace-${data.coder_workspace.me.id}"
      "app.kubernetes.io/part-of"  = "coder"
      "com.coder.resource"         = "true"
      "com.coder.workspace.id"     = data.coder_workspace.me.id
      "com.coder.workspace.name"   = data.coder_workspace.me.name
      "com.coder.user.id"          = data.coder_workspace_owner.me.id
      "com.coder.user.username"    = data.coder_workspace_owner.me.name
    }
    annotations = {
      "com.coder.user.email" = data.coder_workspace_owner.me.email
    }
  }

  spec {
    replicas = 1
    selector {
      match_labels = {
        "app.kubernetes.io/name"     = "coder-workspace"
        "app.kubernetes.io/instance" = "coder-workspace-${data.coder_workspace.me.id}"
        "app.kubernetes.io/part-of"  = "coder"
        "com.coder.resource"         = "true"
        "com.coder.workspace.id"     = data.coder_workspace.me.id
        "com.coder.workspace.name"   = data.coder_workspace.me.name
        "com.coder.user.id"          = data.coder_workspace_owner.me.id
        "com.coder.user.username"    = data.coder_workspace_owner.me.name
      }
    }
    # The home volume is ReadWriteOnce: the old pod must let go of it first.
    strategy {
      type = "Recreate"
    }

    template {
      metadata {
        # meduse's resolver lists pods with com.coder.workspace.id=<id>, or
        # com.coder.user.username=<account>,com.coder.workspace.name=<ws>.
        labels = {
          "app.kubernetes.io/name"     = "coder-workspace"
          "app.kubernetes.io/instance" = "coder-workspace-${data.coder_workspace.me.id}"
          "app.kubernetes.io/part-of"  = "coder"
          "com.coder.resource"         = "true"
          "com.coder.workspace.id"     = data.coder_workspace.me.id
          "com.coder.workspace.name"   = data.coder_workspace.me.name
          "com.coder.user.id"          = data.coder_workspace_owner.me.id
          "com.coder.user.username"    = data.coder_workspace_owner.me.name
        }
        annotations = {
          "com.coder.user.email" = data.coder_workspace_owner.me.email
        }
      }

      spec {
        # Nothing in the pod talks to the Kubernetes API.
        automount_service_account_token = false
        node_selector                   = data.coder_parameter.gpu.value == "0" ? local.no_node_selector : var.gpu_node_selector

        # GPU nodes are commonly tainted so that only GPU pods land there.
        dynamic "toleration" {
          for_each = data.coder_parameter.gpu.value == "0" ? local.no_tolerations : local.gpu_tolerations
          content {
            key      = toleration.value
            operator = "Exists"
            effect   = "NoSchedule"
          }
        }

        container {
          name              = "dev"
          image             = var.image
          image_pull_policy = "IfNotPresent"
          # start.sh runs as root: it makes the user, starts the Coder agent
          # as that user, then runs sshd (which needs root to log users in).
          command = ["/bin/bash", "-c", file("${path.module}/start.sh")]
          security_context {
            run_as_user = 0
          }

          env {
            name  = "CODER_AGENT_TOKEN"
            value = coder_agent.main.token
          }
          env {
            name  = "CODER_AGENT_INIT"
            value = coder_agent.main.init_script
          }
          env {
            name  = "MEDUSE_USER"
            value = local.user
          }
          env {
            name  = "MEDUSE_UID"
            value = var.uid
          }
          # MinIO credentials (Secret meduse-minio, made by meduse): optional,
          # the workspace starts without them.  start.sh passes them on to
          # SSH sessions, which do not inherit the container's environment.
          env {
            name = "AWS_ACCESS_KEY_ID"
            value_from {
              secret_key_ref {
                name     = "meduse-minio"
                key      = "AWS_ACCESS_KEY_ID"
                optional = true
              }
            }
          }
          env {
            name = "AWS_SECRET_ACCESS_KEY"
            value_from {
              secret_key_ref {
                name     = "meduse-minio"
                key      = "AWS_SECRET_ACCESS_KEY"
                optional = true
              }
            }
          }
          env {
            name = "AWS_ENDPOINT_URL"
            value_from {
              secret_key_ref {
                name     = "meduse-minio"
                key      = "AWS_ENDPOINT_URL"
                optional = true
              }
            }
          }
          env {
            name = "MLFLOW_S3_ENDPOINT_URL"
            value_from {
              secret_key_ref {
                name     = "meduse-minio"
                key      = "MLFLOW_S3_ENDPOINT_URL"
                optional = true
              }
            }
          }
          env {
            name = "AWS_DEFAULT_REGION"
            value_from {
              secret_key_ref {
                name     = "meduse-minio"
                key      = "AWS_DEFAULT_REGION"
                optional = true
              }
            }
          }

          port {
            name           = "ssh"
            container_port = 22
            protocol       = "TCP"
          }
          # The resolver only routes to a Ready pod: Ready means sshd answers.
          readiness_probe {
            tcp_socket {
              port = 22
            }
            initial_delay_seconds = 2
            period_seconds        = 5
            failure_threshold     = 3
          }

          # Requests equal limits: the workspace gets what the account's
          # quota promises (and a GPU request must equal its limit anyway).
          resources {
            requests = {
              "cpu"            = data.coder_parameter.cpu.value
              "memory"         = data.coder_parameter.memory.value
              "nvidia.com/gpu" = data.coder_parameter.gpu.value
            }
            limits = {
              "cpu"            = data.coder_parameter.cpu.value
              "memory"         = data.coder_parameter.memory.value
              "nvidia.com/gpu" = data.coder_parameter.gpu.value
            }
          }

          volume_mount {
            name       = "home"
            mount_path = local.home
            read_only  = false
          }
          volume_mount {
            name       = "meduse-ssh"
            mount_path = "/etc/meduse-ssh"
            read_only  = true
          }
          # DVC's system-level config: platformdirs' site_config_dir("dvc",
          # "iterative"), /etc/xdg/dvc/config on Linux.  Not the
          # DVC_SYSTEM_CONFIG_DIR variable: some DVC versions read it for
          # the global level too.
          volume_mount {
            name       = "meduse-minio"
            mount_path = "/etc/xdg/dvc"
            read_only  = true
          }
        }

        volume {
          name = "home"
          persistent_volume_claim {
            claim_name = data.coder_parameter.home_pvc.value
            read_only  = false
          }
        }
        # The account's gateway public key (authorized_keys), made by meduse.
        # Not optional: without it nobody could log in, so the pod waits.
        # sshd reads it at each login, so a new key needs no restart.
        volume {
          name = "meduse-ssh"
          secret {
            secret_name  = "meduse-ssh"
            default_mode = "0444"
            items {
              key  = "authorized_keys"
              path = "authorized_keys"
            }
          }
        }
        # The account's DVC remote (its bucket and the MinIO endpoint; no key:
        # DVC takes those from the AWS_* variables), made by meduse.
        # Optional like the variables: without MinIO the workspace starts
        # with an empty directory here.  A repository's .dvc/config wins.
        volume {
          name = "meduse-minio"
          secret {
            secret_name  = "meduse-minio"
            default_mode = "0444"
            optional     = true
            items {
              key  = "dvc-config"
              path = "config"
            }
          }
        }

        affinity {
          // This affinity attempts to spread out all workspace pods evenly across
          // nodes.
          pod_anti_affinity {
            preferred_during_scheduling_ignored_during_execution {
              weight = 1
              pod_affinity_term {
                topology_key = "kubernetes.io/hostname"
                label_selector {
                  match_expressions {
                    key      = "app.kubernetes.io/name"
                    operator = "In"
                    values   = ["coder-workspace"]
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
