import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigSource {
  /** an explicit kubeconfig file (KUBECONFIG); wins over everything else */
  kubeconfigPath?: string | undefined;
  /** running in a pod (KUBERNETES_SERVICE_HOST is set): use the service account */
  inCluster: boolean;
}

/**
 * The one place the Kubernetes client is configured: the pod's service
 * account in a cluster, a kubeconfig file otherwise (~/.kube/config when no
 * path is given).
 */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  const config = new KubeConfig();
  if (source.kubeconfigPath) config.loadFromFile(source.kubeconfigPath);
  else if (source.inCluster) config.loadFromCluster();
  else config.loadFromDefault();
  return config;
}
