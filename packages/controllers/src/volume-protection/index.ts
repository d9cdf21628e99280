export { PvcProtectionController, podUsesClaim } from "./pvc-protection.js";
export { PvProtectionController, volumeInUse } from "./pv-protection.js";
