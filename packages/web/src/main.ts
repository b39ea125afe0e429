import { createApp } from 'vue';
import App from './App.vue';
import { startChat } from './chat.js';
import { locale } from './i18n.js';
import { followPermalinks } from './message-ui.js';
import './styles.css';

document.documentElement.lang = locale.value;
createApp(App).mount('#app');
startChat();
followPermalinks();
