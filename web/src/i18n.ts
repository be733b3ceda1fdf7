/**
 * German by default (the pages go out with German appeals), English switchable; the choice is kept
 * in localStorage. Static texts are elements marked with data-i18n and are swapped in place, so a
 * half-filled form survives a switch; pages re-render their dynamic parts through onLanguage().
 */
const de = {
  skip: 'Zum Inhalt',
  loading: 'Lädt …',
  switchTo: 'English',
  switchToLabel: 'Switch to English',
  // registration
  registerTitle: 'Als Spontanhelfer*in registrieren',
  registerIntro:
    'Sie möchten im Einsatz helfen? Sagen Sie uns, was Sie können und wann Sie Zeit haben. Die Einsatzleitung schlägt Ihnen passende Aufgaben vor; Sie entscheiden, ob Sie zusagen.',
  incident: 'Einsatz',
  incidentHint: 'Steht im Aufruf (z. B. „hochwasser-ahr“). Leer lassen, wenn Sie es nicht wissen.',
  name: 'Name',
  contactLegend: 'Wie erreichen wir Sie?',
  contactHint: 'Telefon oder E-Mail – mindestens eins davon.',
  phone: 'Telefon (mobil)',
  email: 'E-Mail',
  postalCode: 'Postleitzahl',
  postalCodeHint: 'Wo Sie losfahren. Aufgaben in Ihrer Nähe werden bevorzugt.',
  maxTravelKm: 'Höchstens so weit fahre ich (km)',
  locationLegend: 'Wo sind Sie?',
  locationHint:
    'Vorschläge richten sich nach der Entfernung. Die Postleitzahl genügt (wir rechnen dann mit der Mitte ihres Gebiets); mit Ihrem Standort werden die Wege genauer. Er wird auf etwa 100 m gerundet gesendet; die Zuordnung sieht ihn nur auf etwa 1 km genau.',
  useLocation: 'Meinen Standort verwenden',
  locationSet: 'Standort übernommen.',
  locationFailed: 'Der Standort ist nicht verfügbar. Bitte geben Sie die Koordinaten selbst ein (z. B. aus einer Karten-App).',
  coordinatesManual: 'Koordinaten selbst eingeben',
  skillsLegend: 'Was können Sie?',
  skillsHint: 'Mindestens eins. Sandsäcke füllen kann jede*r.',
  languages: 'Sprachen',
  languagesHint: 'Kürzel mit Komma getrennt, z. B. de, en, uk, ar',
  resourcesLegend: 'Was können Sie mitbringen?',
  availabilityLegend: 'Wann haben Sie Zeit?',
  availabilityHint: 'Ein oder mehrere Zeiträume, je höchstens 14 Tage.',
  from: 'Von',
  to: 'Bis',
  addWindow: 'Weiteren Zeitraum hinzufügen',
  removeWindow: 'Zeitraum entfernen',
  window: 'Zeitraum',
  maxHoursPerDay: 'Höchstens so viele Stunden am Tag',
  maxHoursPerDayHint:
    'Alle Schichten eines Kalendertags zusammen. Eine Nachtschicht zählt ganz zu beiden Tagen: 22–4 Uhr sind 6 Stunden am ersten und 6 am zweiten Tag. Keine Schicht ist länger.',
  adult: 'Ich bin mindestens 18 Jahre alt.',
  consentLegend: 'Ihre Daten und Ihre Einwilligung',
  consentWhatTitle: 'Was wir speichern',
  consentWhat:
    'Name, Telefon oder E-Mail, Postleitzahl, Ihre Fähigkeiten, Sprachen, was Sie mitbringen, wann Sie Zeit haben und wie weit Sie fahren.',
  consentPurposeTitle: 'Wofür',
  consentPurpose:
    'Damit die Einsatzleitung Ihnen in diesem Einsatz passende Aufgaben vorschlagen und Sie erreichen kann. Die Zuordnung sieht nur Fähigkeiten, ungefähren Ort (auf etwa 1 km gerundet) und Zeiten – nie Ihren Namen oder Ihre Kontaktdaten. Die Einsatzleitung sieht Ihre Kontaktdaten nur, wenn sie sie braucht; jeder Zugriff wird mit Grund protokolliert.',
  consentHowLongTitle: 'Wie lange',
  consentHowLong:
    'Bis Sie Ihre Daten löschen, spätestens 30 Tage nach dem Ende des Einsatzes werden sie anonymisiert. Wann Sie an einer Einsatzstelle ein- und ausgecheckt haben, wird für den Unfallversicherungsschutz 5 Jahre aufbewahrt.',
  consentDeleteTitle: 'Wie Sie löschen',
  consentDelete:
    'Jederzeit selbst auf Ihrer persönlichen Seite („Meine Daten löschen“). Den Link dazu bekommen Sie gleich nach der Registrierung.',
  consentCoordination: 'Ich willige ein, dass meine Angaben für die Koordination dieses Einsatzes verarbeitet werden (erforderlich).',
  optInsLegend: 'Freiwillig, jeweils einzeln widerrufbar',
  optInFuture: 'Bei künftigen Einsätzen darf ich wieder angefragt werden.',
  optInTraining: 'Ich möchte über Schulungsangebote informiert werden.',
  optInEmail: 'Schickt mir E-Mails: die Bestätigung mit meinem persönlichen Link, Einsatzvorschläge, Änderungen und Erinnerungen.',
  notificationsTitle: 'Benachrichtigungen',
  notificationsText: 'Wie wir Sie über Vorschläge, Änderungen und Erinnerungen informieren. Sie können das jederzeit ändern.',
  notifyEmail: 'Per E-Mail',
  notifyEmailMissing: 'Per E-Mail (Sie haben keine E-Mail-Adresse angegeben)',
  notifyPush: 'Als Push-Nachricht auf diesem Gerät',
  notifySaved: 'Gespeichert.',
  pushUnsupported: 'Dieser Browser kann keine Push-Nachrichten empfangen. Sie bekommen weiter E-Mails, wenn Sie das oben eingeschaltet haben.',
  pushDenied: 'Sie haben Benachrichtigungen für diese Seite blockiert. Erlauben Sie sie in den Einstellungen des Browsers und versuchen Sie es noch einmal.',
  pushFailed: 'Push-Nachrichten ließen sich auf diesem Gerät nicht einrichten.',
  pushOn: 'Push-Nachrichten sind auf diesem Gerät eingeschaltet.',
  pushOff: 'Push-Nachrichten sind auf diesem Gerät ausgeschaltet.',
  'purposeNotify-email': 'Benachrichtigungen per E-Mail',
  'purposeNotify-push': 'Benachrichtigungen als Push-Nachricht',
  linkProposalTitle: 'Einsatzvorschlag beantworten',
  linkProposalText: 'Sie haben diesen Vorschlag per E-Mail bekommen. Was, wo und wann steht in der E-Mail. Sagen Sie hier zu oder ab.',
  linkAccepted: 'Danke! Sie haben zugesagt. Ihren Check-in-Code sehen Sie mit Ihrem persönlichen Link.',
  linkDeclined: 'Sie haben abgesagt. Danke für die Rückmeldung.',
  optInStatistics: 'Für Rückfragen zur Auswertung des Einsatzes darf man mich kontaktieren.',
  submit: 'Registrieren',
  submitting: 'Wird gesendet …',
  fixErrors: 'Bitte prüfen Sie die markierten Angaben.',
  networkError: 'Keine Verbindung. Bitte versuchen Sie es gleich noch einmal.',
  alreadyRegistered: 'Sie sind schon registriert (diese E-Mail-Adresse, oder diese Telefonnummer mit diesem Namen). Nutzen Sie Ihren persönlichen Link.',
  alreadyRegisteredJoin:
    'Sie sind schon registriert (diese E-Mail-Adresse, oder diese Telefonnummer mit diesem Namen). Öffnen Sie Ihren persönlichen Link: Unter „Bei einem weiteren Einsatz helfen“ melden Sie sich für diesen Einsatz verfügbar.',
  tooMany: 'Gerade kommen sehr viele Registrierungen von Ihrem Anschluss. Bitte versuchen Sie es in einer Minute noch einmal.',
  // confirmation
  doneTitle: 'Danke – Sie sind registriert',
  linkWarning:
    'Dies ist Ihr persönlicher Link. Er ist der einzige Weg zurück zu Ihren Einsätzen, Ihrem Check-in-Code und zum Löschen Ihrer Daten. Wir können ihn nicht noch einmal schicken: Speichern Sie ihn jetzt (Lesezeichen, Foto des QR-Codes oder als Nachricht an sich selbst) und geben Sie ihn nicht weiter.',
  yourLink: 'Ihr persönlicher Link',
  copyLink: 'Link kopieren',
  copied: 'Kopiert.',
  openLink: 'Meine Seite öffnen',
  qrLabel: 'QR-Code Ihres persönlichen Links',
  // self-service
  meTitle: 'Meine Einsätze',
  noToken: 'Bitte öffnen Sie Ihren persönlichen Link aus der Registrierung.',
  invalidLink: 'Dieser Link gilt nicht (mehr). Wurden Ihre Daten gelöscht? Dann registrieren Sie sich bitte neu.',
  registerAgain: 'Neu registrieren',
  hello: 'Hallo',
  pausedNote: 'Sie sind pausiert: Sie bekommen keine neuen Vorschläge.',
  proposalsTitle: 'Vorschläge für Sie',
  noProposals: 'Gerade gibt es keinen Vorschlag für Sie. Schauen Sie später wieder vorbei.',
  acceptedTitle: 'Zugesagt',
  noAccepted: 'Noch keine zugesagten Einsätze.',
  when: 'Wann',
  where: 'Wo',
  meetingPoint: 'Treffpunkt',
  bring: 'Bitte mitbringen',
  answerBy: 'Bitte antworten bis',
  accept: 'Zusagen',
  decline: 'Absagen',
  withdraw: 'Ich kann doch nicht',
  checkinCode: 'Ihr Check-in-Code',
  checkinHint: 'Zeigen Sie den Code an der Einsatzstelle vor.',
  codePending: 'Ihr Check-in-Code wird vorbereitet …',
  checkedIn: 'Eingecheckt',
  profileTitle: 'Zeiten und Fähigkeiten ändern',
  save: 'Speichern',
  saved: 'Gespeichert.',
  pauseTitle: 'Pause',
  pauseText: 'Wenn Sie gerade nicht können, pausieren Sie. Sie bekommen dann keine neuen Vorschläge.',
  pause: 'Pausieren',
  resume: 'Wieder verfügbar',
  deleteTitle: 'Meine Daten löschen',
  deleteText: 'Ihre Daten werden sofort gelöscht, zugesagte Einsätze werden abgesagt. Ihr Link funktioniert danach nicht mehr.',
  deleteButton: 'Meine Daten löschen',
  deleteConfirm: 'Wirklich alle Daten löschen? Das kann nicht rückgängig gemacht werden.',
  deleteYes: 'Ja, endgültig löschen',
  cancel: 'Abbrechen',
  deleted: 'Ihre Daten wurden gelöscht. Dieser Link funktioniert nicht mehr. Danke für Ihre Hilfsbereitschaft!',
  storedTitle: 'Was wir über Sie gespeichert haben',
  consentGiven: 'Einwilligungen',
  joinTitle: 'Bei einem weiteren Einsatz helfen',
  joinText: 'Hochwasser kommt oft in Wellen. Sie müssen sich nicht neu registrieren: Melden Sie sich hier für einen weiteren Einsatz verfügbar, mit denselben Angaben.',
  joinedIncidents: 'Sie sind verfügbar für',
  noIncidents: 'noch keinen Einsatz',
  joinConsent: 'Ich willige ein, dass meine Angaben für die Koordination dieses Einsatzes verarbeitet werden (erforderlich).',
  joinButton: 'Für diesen Einsatz verfügbar melden',
  joined: 'Sie sind jetzt auch für diesen Einsatz verfügbar.',
  incidentEnded: 'Dieser Einsatz ist beendet und nimmt keine Helfenden mehr auf.',
  // coordinator
  coordTitle: 'Koordination',
  loginTitle: 'Anmelden',
  tokenLabel: 'Zugangs-Token (JWT) der Einsatzleitung',
  tokenHint: 'Wird nur in diesem Browser-Tab gehalten (sessionStorage) und beim Schließen vergessen.',
  incidentLabel: 'Einsatz (DisasterEvent)',
  login: 'Anmelden',
  logout: 'Abmelden',
  notAllowed: 'Der Token ist ungültig, abgelaufen oder hat nicht die Rolle „coordinator“.',
  sitesTitle: 'Einsatzstellen',
  noSites: 'Noch keine Einsatzstellen.',
  load: 'Auslastung',
  checkedInOf: 'eingecheckt von',
  newSite: 'Neue Einsatzstelle',
  siteName: 'Name',
  street: 'Straße',
  city: 'Ort',
  latitude: 'Breitengrad',
  longitude: 'Längengrad',
  capacity: 'Kapazität (Personen)',
  createSite: 'Einsatzstelle anlegen',
  tasksTitle: 'Offene Aufträge',
  noTasks: 'Keine offenen Aufträge.',
  refresh: 'Aktualisieren',
  priority: 'Priorität',
  priority1: '1 – am dringendsten',
  priority5: '5 – am wenigsten dringend',
  title: 'Titel',
  site: 'Einsatzstelle',
  shift: 'Schicht',
  fill: 'Besetzt',
  status: 'Status',
  edit: 'Bearbeiten',
  details: 'Zuweisungen',
  newTask: 'Neuer Auftrag',
  editTask: 'Auftrag bearbeiten',
  description: 'Beschreibung',
  briefing: 'Einweisung',
  headcount: 'Benötigte Personen',
  shiftStart: 'Schichtbeginn',
  shiftEnd: 'Schichtende',
  requiredSkills: 'Benötigte Fähigkeiten',
  requiredResources: 'Benötigte Ausrüstung',
  bringLines: 'Mitbringen (eine Sache pro Zeile)',
  createTask: 'Auftrag anlegen',
  saveTask: 'Änderungen speichern',
  taskSaved: 'Auftrag gespeichert.',
  conflict: 'Jemand anderes hat den Auftrag inzwischen geändert. Bitte neu laden.',
  assignmentsTitle: 'Zuweisungen des Auftrags',
  noAssignments: 'Noch keine Zuweisungen.',
  helper: 'Helfer*in',
  distance: 'Entfernung',
  matchingTitle: 'Zuordnung',
  runMatching: 'Zuordnungsrunde starten',
  running: 'Läuft …',
  proposed: 'Neue Vorschläge',
  withdrawn: 'Zurückgezogen',
  helpers: 'Helfende',
  tasks: 'Aufträge',
  demand: 'Plätze',
  filled: 'Besetzt',
  fillRate: 'Besetzungsgrad',
  coverage: 'Voll besetzte Aufträge',
  meanDistance: 'Mittlere Entfernung',
  statusOpen: 'offen',
  statusPartially_filled: 'teilweise besetzt',
  statusFilled: 'besetzt',
  statusIn_progress: 'läuft',
  statusCompleted: 'erledigt',
  statusCancelled: 'abgesagt',
  statusProposed: 'vorgeschlagen',
  statusAccepted: 'zugesagt',
  statusDeclined: 'abgesagt',
  statusExpired: 'abgelaufen',
  // purposes
  purposeCoordination: 'Koordination dieses Einsatzes',
  'purposeFuture-incidents': 'künftige Einsätze',
  'purposeTraining-offers': 'Schulungsangebote',
  'purposeStatistics-contact': 'Rückfragen zur Auswertung',
} as const;

export type Key = keyof typeof de;

const en: Record<Key, string> = {
  skip: 'Skip to content',
  loading: 'Loading …',
  switchTo: 'Deutsch',
  switchToLabel: 'Auf Deutsch umschalten',
  registerTitle: 'Register as a spontaneous volunteer',
  registerIntro:
    'You want to help? Tell us what you can do and when you have time. The command post proposes tasks that fit; you decide whether to accept.',
  incident: 'Incident',
  incidentHint: 'Given in the appeal (e.g. "hochwasser-ahr"). Leave empty if you do not know it.',
  name: 'Name',
  contactLegend: 'How can we reach you?',
  contactHint: 'Phone or e-mail – at least one of them.',
  phone: 'Phone (mobile)',
  email: 'E-mail',
  postalCode: 'Postal code',
  postalCodeHint: 'Where you set off from. Tasks near you come first.',
  maxTravelKm: 'I travel at most (km)',
  locationLegend: 'Where are you?',
  locationHint:
    'Proposals depend on the distance. Your postal code is enough (we then use the middle of its area); with your location the distances are more accurate. It is sent rounded to about 100 m; matching sees it only to about 1 km.',
  useLocation: 'Use my location',
  locationSet: 'Location taken.',
  locationFailed: 'The location is not available. Please enter the coordinates yourself (e.g. from a map app).',
  coordinatesManual: 'Enter coordinates yourself',
  skillsLegend: 'What can you do?',
  skillsHint: 'At least one. Anyone can fill sandbags.',
  languages: 'Languages',
  languagesHint: 'Codes separated by commas, e.g. de, en, uk, ar',
  resourcesLegend: 'What can you bring?',
  availabilityLegend: 'When do you have time?',
  availabilityHint: 'One or more periods, each at most 14 days.',
  from: 'From',
  to: 'To',
  addWindow: 'Add another period',
  removeWindow: 'Remove period',
  window: 'Period',
  maxHoursPerDay: 'At most this many hours a day',
  maxHoursPerDayHint:
    'All shifts of a calendar day together. A night shift counts in full to both days: 22:00–04:00 is 6 hours on the first and 6 on the second day. No shift is longer.',
  adult: 'I am 18 or older.',
  consentLegend: 'Your data and your consent',
  consentWhatTitle: 'What we store',
  consentWhat: 'Name, phone or e-mail, postal code, your skills, languages, what you can bring, when you have time and how far you travel.',
  consentPurposeTitle: 'What for',
  consentPurpose:
    'So that the command post can propose tasks that fit and reach you during this incident. Matching sees only skills, an approximate location (rounded to about 1 km) and times – never your name or contact details. Coordinators see your contact details only when they need them; every access is logged with its reason.',
  consentHowLongTitle: 'How long',
  consentHowLong:
    'Until you delete your data; at the latest 30 days after the incident ends it is anonymised. When you checked in and out at a site is kept for 5 years for the accident insurance.',
  consentDeleteTitle: 'How to delete',
  consentDelete: 'Any time yourself on your personal page ("Delete my data"). You get its link right after registering.',
  consentCoordination: 'I agree that my details are processed to coordinate this incident (required).',
  optInsLegend: 'Optional, each can be withdrawn on its own',
  optInFuture: 'I may be asked again in future incidents.',
  optInTraining: 'I would like to hear about training offers.',
  optInEmail: 'Send me e-mails: the confirmation with my personal link, shift proposals, changes and reminders.',
  notificationsTitle: 'Notifications',
  notificationsText: 'How we tell you about proposals, changes and reminders. You can change this at any time.',
  notifyEmail: 'By e-mail',
  notifyEmailMissing: 'By e-mail (you gave no e-mail address)',
  notifyPush: 'As a push message on this device',
  notifySaved: 'Saved.',
  pushUnsupported: 'This browser cannot receive push messages. You keep getting e-mails if you switched them on above.',
  pushDenied: 'You blocked notifications for this page. Allow them in the browser settings and try again.',
  pushFailed: 'Push messages could not be set up on this device.',
  pushOn: 'Push messages are on for this device.',
  pushOff: 'Push messages are off for this device.',
  'purposeNotify-email': 'Notifications by e-mail',
  'purposeNotify-push': 'Notifications as push messages',
  linkProposalTitle: 'Answer a shift proposal',
  linkProposalText: 'You got this proposal by e-mail. What, where and when is in the e-mail. Accept or decline here.',
  linkAccepted: 'Thank you! You accepted. Your check-in code is on your personal page.',
  linkDeclined: 'You declined. Thank you for letting us know.',
  optInStatistics: 'I may be contacted with questions for the evaluation of the incident.',
  submit: 'Register',
  submitting: 'Sending …',
  fixErrors: 'Please check the marked fields.',
  networkError: 'No connection. Please try again in a moment.',
  alreadyRegistered: 'You are registered already (this e-mail address, or this phone number with this name). Use your personal link.',
  alreadyRegisteredJoin:
    'You are registered already (this e-mail address, or this phone number with this name). Open your personal link: under "Help in another incident" you make yourself available for this one.',
  tooMany: 'Very many registrations are coming from your connection right now. Please try again in a minute.',
  doneTitle: 'Thank you – you are registered',
  linkWarning:
    'This is your personal link. It is the only way back to your tasks, your check-in code and to deleting your data. We cannot send it again: save it now (bookmark, photo of the QR code, or a message to yourself) and do not share it.',
  yourLink: 'Your personal link',
  copyLink: 'Copy link',
  copied: 'Copied.',
  openLink: 'Open my page',
  qrLabel: 'QR code of your personal link',
  meTitle: 'My tasks',
  noToken: 'Please open your personal link from the registration.',
  invalidLink: 'This link is not valid (any more). Was your data deleted? Then please register again.',
  registerAgain: 'Register again',
  hello: 'Hello',
  pausedNote: 'You are paused: you get no new proposals.',
  proposalsTitle: 'Proposals for you',
  noProposals: 'No proposal for you right now. Please look again later.',
  acceptedTitle: 'Accepted',
  noAccepted: 'No accepted tasks yet.',
  when: 'When',
  where: 'Where',
  meetingPoint: 'Meeting point',
  bring: 'Please bring',
  answerBy: 'Please answer by',
  accept: 'Accept',
  decline: 'Decline',
  withdraw: 'I cannot come after all',
  checkinCode: 'Your check-in code',
  checkinHint: 'Show the code at the site.',
  codePending: 'Your check-in code is being prepared …',
  checkedIn: 'Checked in',
  profileTitle: 'Change times and skills',
  save: 'Save',
  saved: 'Saved.',
  pauseTitle: 'Pause',
  pauseText: 'If you cannot help right now, pause. You then get no new proposals.',
  pause: 'Pause',
  resume: 'Available again',
  deleteTitle: 'Delete my data',
  deleteText: 'Your data is deleted at once, accepted tasks are cancelled. Your link stops working.',
  deleteButton: 'Delete my data',
  deleteConfirm: 'Really delete all data? This cannot be undone.',
  deleteYes: 'Yes, delete for good',
  cancel: 'Cancel',
  deleted: 'Your data has been deleted. This link no longer works. Thank you for your willingness to help!',
  storedTitle: 'What we stored about you',
  consentGiven: 'Consents',
  joinTitle: 'Help in another incident',
  joinText: 'Floods often come in waves. You need not register again: make yourself available for another incident here, with the same details.',
  joinedIncidents: 'You are available for',
  noIncidents: 'no incident yet',
  joinConsent: 'I agree that my details are processed to coordinate this incident (required).',
  joinButton: 'Make me available for this incident',
  joined: 'You are now available for this incident as well.',
  incidentEnded: 'This incident has ended and takes no more helpers.',
  coordTitle: 'Coordination',
  loginTitle: 'Sign in',
  tokenLabel: "Command post's access token (JWT)",
  tokenHint: 'Kept only in this browser tab (sessionStorage) and forgotten when it closes.',
  incidentLabel: 'Incident (DisasterEvent)',
  login: 'Sign in',
  logout: 'Sign out',
  notAllowed: 'The token is invalid, expired, or lacks the role "coordinator".',
  sitesTitle: 'Sites',
  noSites: 'No sites yet.',
  load: 'Load',
  checkedInOf: 'checked in of',
  newSite: 'New site',
  siteName: 'Name',
  street: 'Street',
  city: 'Town',
  latitude: 'Latitude',
  longitude: 'Longitude',
  capacity: 'Capacity (people)',
  createSite: 'Create site',
  tasksTitle: 'Open tasks',
  noTasks: 'No open tasks.',
  refresh: 'Refresh',
  priority: 'Priority',
  priority1: '1 – most urgent',
  priority5: '5 – least urgent',
  title: 'Title',
  site: 'Site',
  shift: 'Shift',
  fill: 'Filled',
  status: 'Status',
  edit: 'Edit',
  details: 'Assignments',
  newTask: 'New task',
  editTask: 'Edit task',
  description: 'Description',
  briefing: 'Briefing',
  headcount: 'People needed',
  shiftStart: 'Shift start',
  shiftEnd: 'Shift end',
  requiredSkills: 'Required skills',
  requiredResources: 'Required equipment',
  bringLines: 'Bring (one item per line)',
  createTask: 'Create task',
  saveTask: 'Save changes',
  taskSaved: 'Task saved.',
  conflict: 'Someone else changed the task meanwhile. Please reload.',
  assignmentsTitle: "The task's assignments",
  noAssignments: 'No assignments yet.',
  helper: 'Helper',
  distance: 'Distance',
  matchingTitle: 'Matching',
  runMatching: 'Run a matching round',
  running: 'Running …',
  proposed: 'New proposals',
  withdrawn: 'Withdrawn',
  helpers: 'Helpers',
  tasks: 'Tasks',
  demand: 'Slots',
  filled: 'Filled',
  fillRate: 'Fill rate',
  coverage: 'Fully filled tasks',
  meanDistance: 'Mean distance',
  statusOpen: 'open',
  statusPartially_filled: 'partially filled',
  statusFilled: 'filled',
  statusIn_progress: 'in progress',
  statusCompleted: 'completed',
  statusCancelled: 'cancelled',
  statusProposed: 'proposed',
  statusAccepted: 'accepted',
  statusDeclined: 'declined',
  statusExpired: 'expired',
  purposeCoordination: 'coordinating this incident',
  'purposeFuture-incidents': 'future incidents',
  'purposeTraining-offers': 'training offers',
  'purposeStatistics-contact': 'questions for the evaluation',
};

export type Lang = 'de' | 'en';
const dictionaries: Record<Lang, Record<Key, string>> = { de, en };
const storageKey = 'kathelfer.lang';

function initialLang(): Lang {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked === 'de' || asked === 'en') return asked;
  try {
    return localStorage.getItem(storageKey) === 'en' ? 'en' : 'de';
  } catch {
    return 'de';
  }
}

let lang: Lang = initialLang();
const listeners: Array<() => void> = [];

export const currentLang = (): Lang => lang;
export const t = (key: Key): string => dictionaries[lang][key];
export const hasKey = (key: string): key is Key => key in de;

/** Called after every switch of language (dynamic parts re-render themselves). */
export function onLanguage(listener: () => void): void {
  listeners.push(listener);
}

export function setLang(next: Lang): void {
  lang = next;
  try {
    localStorage.setItem(storageKey, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyLanguage();
  for (const listener of listeners) listener();
}

/** Swaps every marked text and attribute to the current language. */
export function applyLanguage(root: ParentNode = document): void {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n ?? '';
    if (hasKey(key)) el.textContent = t(key);
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
    const key = el.dataset.i18nLabel ?? '';
    if (hasKey(key)) el.setAttribute('aria-label', t(key));
  }
}

/** The API speaks English; the messages helpers meet most often, in German. Others stay as sent. */
const apiMessagesDe: Record<string, string> = {
  'not a valid phone number': 'Keine gültige Telefonnummer.',
  'give a phone number or an e-mail address': 'Bitte Telefon oder E-Mail angeben.',
  'give a postal code or coordinates': 'Bitte die Postleitzahl angeben.',
  'a German postal code has 5 digits': 'Eine Postleitzahl hat 5 Ziffern.',
  'helpers must confirm they are 18 or older': 'Helfen können nur Volljährige. Bitte bestätigen Sie, dass Sie mindestens 18 sind.',
  'consent to "coordination" is required; to withdraw it, erase your data': 'Ohne diese Einwilligung können wir Sie nicht einplanen.',
  '"to" must be after "from"': '„Bis“ muss nach „Von“ liegen.',
  'a window is at most 14 days': 'Ein Zeitraum ist höchstens 14 Tage lang.',
  'interpreting needs at least one language': 'Zum Dolmetschen bitte mindestens eine Sprache angeben.',
  'an ISO 639 language code like "de" or "uk"': 'Bitte Sprachkürzel wie „de“ oder „uk“ angeben.',
  'change at least one field': 'Bitte mindestens eine Angabe ändern.',
  'the shift must end after it starts': 'Die Schicht muss nach ihrem Beginn enden.',
  'a shift is at most 24 hours': 'Eine Schicht dauert höchstens 24 Stunden.',
};

/** A field problem's message for people; zod's generic ones by their kind. */
export function problemMessage(field: string, message: string): string {
  if (lang === 'en') {
    if (/^Invalid (input|ISO datetime)|^Invalid option/.test(message)) return 'Please fill this in correctly.';
    return message;
  }
  const known = apiMessagesDe[message];
  if (known !== undefined) return known;
  if (/^Invalid email/.test(message)) return 'Keine gültige E-Mail-Adresse.';
  if (/^Invalid ISO datetime/.test(message)) return 'Bitte Datum und Uhrzeit angeben.';
  if (/^Too small/.test(message) && field.endsWith('skills')) return 'Bitte mindestens eine Fähigkeit wählen.';
  if (/^Too small/.test(message) && field.endsWith('availability')) return 'Bitte mindestens einen Zeitraum angeben.';
  if (/^Too small/.test(message)) return 'Der Wert ist zu klein oder fehlt.';
  if (/^Too big/.test(message)) return 'Der Wert ist zu groß oder zu lang.';
  if (/^Invalid input: expected (number|string)/.test(message)) return 'Bitte ausfüllen.';
  return message;
}

/** Dates and times as people read them, in the browser's time zone. */
export function when(iso: string): string {
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

export function span(from: string, to: string): string {
  return `${when(from)} – ${when(to)}`;
}
