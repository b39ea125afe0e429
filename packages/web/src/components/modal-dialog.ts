// What every modal dialog of the page does with its native <dialog>: shown modal when the
// component mounts (then `onShown`: focus the first field, load what it lists), and closed the way
// that fires the element's `close` event, which the component answers by telling its parent.
// Where the element cannot (an old browser, a test DOM without showModal), `onClosed` is called
// directly.
import { onMounted, type Ref } from 'vue';

export function useModalDialog(dialog: Ref<HTMLDialogElement | null>, onShown: () => void, onClosed: () => void): () => void {
  onMounted(() => {
    const el = dialog.value;
    if (el && typeof el.showModal === 'function' && !el.open) el.showModal();
    onShown();
  });
  return () => {
    if (dialog.value?.open && typeof dialog.value.close === 'function') dialog.value.close();
    else onClosed();
  };
}
