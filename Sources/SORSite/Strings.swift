/// The interface's words, Polish by default. Public so the PDFs (SORReports) use the call page's words.
public enum Strings {
    /// Every word of the interface in `language` (`en`, else Polish), by key.
    public static func table(_ language: String) -> [String: String] {
        language == "en" ? english : polish
    }

    /// A call's status (`transcribed`, `failed`) in words.
    public static func status(_ status: String, _ language: String) -> String {
        let names = language == "en"
            ? ["transcribed": "transcribed", "failed": "failed"]
            : ["transcribed": "przetranskrybowana", "failed": "błąd"]
        return names[status] ?? status
    }

    /// A call's direction (`inbound`, `outbound`) in words.
    public static func direction(_ direction: String, _ language: String) -> String {
        let names = language == "en"
            ? ["inbound": "inbound", "outbound": "outbound"]
            : ["inbound": "przychodząca", "outbound": "wychodząca"]
        return names[direction] ?? direction
    }

    /// An edit's type (`utterance.text`, …) in words.
    public static func editType(_ type: String, _ language: String) -> String {
        let names = language == "en"
            ? [
                "transcript.text": "transcript text", "call.metadata": "call details", "evaluation.manual": "manual evaluation",
                "roles.swap": "roles swapped", "speaker.role": "speaker's role", "speaker.rename": "speaker's name",
                "utterance.speaker": "utterance's speaker", "utterance.split": "utterance split", "utterance.text": "utterance text", "call.delete": "call deleted", "quarantine.requeue": "refused file re-queued",
                "evaluation.dispute": "dispute", "evaluation.dispute.resolve": "dispute decided", "coaching.note": "coaching note",
            ]
            : [
                "transcript.text": "tekst transkrypcji", "call.metadata": "dane rozmowy", "evaluation.manual": "ocena ręczna",
                "roles.swap": "zamiana ról", "speaker.role": "rola mówcy", "speaker.rename": "nazwa mówcy",
                "utterance.speaker": "mówca wypowiedzi", "utterance.split": "podział wypowiedzi", "utterance.text": "tekst wypowiedzi", "call.delete": "usunięcie rozmowy", "quarantine.requeue": "przywrócenie pliku do kolejki",
                "evaluation.dispute": "sprzeciw", "evaluation.dispute.resolve": "decyzja o sprzeciwie", "coaching.note": "notatka coachingowa",
            ]
        return names[type] ?? type
    }

    /// How the roles were decided (`RoleDecision.Method`), in words.
    public static func roleMethod(_ method: String, _ language: String) -> String {
        let names = language == "en"
            ? ["channel-map": "channel map", "lexical": "words said", "first-speaker": "who spoke first", "manual": "set by hand", "none": "none"]
            : ["channel-map": "mapa kanałów", "lexical": "wypowiedziane słowa", "first-speaker": "kto mówił pierwszy", "manual": "ręcznie", "none": "brak"]
        return names[method] ?? method
    }

    /// An answer's value (`yes`, `no`, `partial`, `na`, a scale value) in words.
    public static func answer(_ value: String, _ language: String) -> String {
        let names = language == "en"
            ? ["yes": "yes", "no": "no", "partial": "partly", "na": "n/a", "auto": "automatic"]
            : ["yes": "tak", "no": "nie", "partial": "częściowo", "na": "nie dotyczy", "auto": "automatycznie"]
        return names[value] ?? value
    }

    static let polish: [String: String] = [
        "calls": "Rozmowy", "call": "Rozmowa", "when": "Data", "file": "Plik", "duration": "Czas trwania",
        "agent": "Konsultant", "team": "Zespół", "language": "Język", "status": "Status", "excerpt": "Początek rozmowy",
        "direction": "Kierunek", "campaign": "Kampania", "client_number": "Numer klienta", "audio_format": "Nagranie",
        "mono": "mono", "stereo": "stereo", "engine": "Silnik mowy", "transcript": "Transkrypcja",
        "no_calls": "Brak rozmów. Wrzuć nagrania (WAV, MP3, FLAC, OGG) do folderu inbox/.",
        "no_transcript": "Brak transkrypcji.", "back": "← Wszystkie rozmowy", "total": "Łącznie",
        "play_hint": "Kliknij słowo lub fragment, aby odtworzyć nagranie od tego miejsca.",
        "audio_unsupported": "Przeglądarka nie obsługuje odtwarzania tego nagrania.", "details": "Szczegóły",
        "generated_by": "Wygenerowano przez SOR — System Oceny Rozmów",
        "edit": "Popraw", "save": "Zapisz", "cancel": "Anuluj", "history": "Historia zmian", "no_history": "Brak zmian.",
        "pending": "Wysłano — czeka na zastosowanie…", "applied": "zastosowana", "rejected": "odrzucona",
        "revision": "Wersja", "changed_by": "ostatnio zmienił(a)", "segment": "fragment", "who": "Kto", "what": "Zmiana",
        "state": "Stan", "reason": "Powód", "type": "Rodzaj", "send_failed": "Nie udało się wysłać poprawki",
        "edit_applied": "Poprawka zastosowana — odświeżam stronę…", "edit_rejected": "Poprawka odrzucona",
        "evaluation": "Ocena", "passed": "zaliczona", "failed": "niezaliczona", "threshold": "próg", "weight": "waga",
        "criterion": "Kryterium", "automatic": "Automatycznie", "manual": "Ręcznie", "final": "Wynik", "points": "Punkty",
        "evidence": "Dowód", "not_applicable": "nie dotyczy", "unanswered": "do oceny", "critical": "krytyczne",
        "critical_failed": "Błąd krytyczny", "to_evaluate": "kryteriów do oceny ręcznej", "evaluator": "Oceniający",
        "keep_auto": "— automatycznie —", "comment": "Komentarz", "save_evaluation": "Zapisz ocenę",
        "agreement_title": "Zgodność ocen automatycznych z oceniającymi", "agreement_none": "Żadna rozmowa z tego okresu nie została jeszcze oceniona ręcznie.",
        "agreement_hint": "W rozmowach ocenionych ręcznie: odpowiedzi automatyczne, które oceniający pozostawił bez zmiany.",
        "agreement_calls": "Rozmowy ocenione", "agreement_answers": "Zgodne odpowiedzi", "agreement_rate": "Zgodność",
        "agreement_lowest": "Kryteria o najniższej zgodności",
        "dispute": "Sprzeciw", "dispute_open": "Zgłoś sprzeciw", "dispute_reason": "Dlaczego odpowiedź jest błędna", "dispute_answer": "Właściwa odpowiedź",
        "send_dispute": "Wyślij sprzeciw", "dispute_state_open": "czeka na decyzję", "dispute_state_accepted": "przyjęty",
        "dispute_state_rejected": "odrzucony", "accept": "Przyjmij", "reject": "Odrzuć", "decision_reason": "Uzasadnienie decyzji",
        "coaching": "Notatki coachingowe", "coaching_add": "Dodaj notatkę", "coaching_about_call": "o tej rozmowie",
        "coaching_about_agent": "o agencie", "coaching_save": "Zapisz notatkę", "coaching_placeholder": "Notatka (Markdown)",
        "scorecards_version": "wersja kart", "score": "Ocena", "answer_yes": "tak", "answer_no": "nie",
        "answer_partial": "częściowo", "answer_na": "nie dotyczy", "no_evaluation": "Rozmowa nie została jeszcze oceniona.",
        "choose_answer": "Wybierz odpowiedź przy co najmniej jednym kryterium.",
        "speakers": "Mówcy", "speaker": "Mówca", "role": "Rola", "role_KLIENT": "Klient", "role_KONSULTANT": "Konsultant",
        "sentiment": "Nastawienie", "sentiment_chart": "Nastawienie w czasie rozmowy",
        "sentiment_desc": "Wynik każdej wypowiedzi od −1 (negatywny) do +1 (pozytywny); kliknięcie punktu odtwarza nagranie od tego miejsca.",
        "sentiment_positive": "pozytywny", "sentiment_negative": "negatywny", "sentiment_time": "czas rozmowy (min:s)",
        "sentiment_extremes": "najbardziej negatywny i pozytywny moment", "sentiment_negatywny": "negatywny",
        "sentiment_neutralny": "neutralny", "sentiment_pozytywny": "pozytywny", "sentiment_mieszany": "mieszany",
        "sentiment_change": "zmiana od początku do końca", "sentiment_overall": "Cała rozmowa", "sentiment_score": "wynik",
        "emotion": "emocja", "arousal": "pobudzenie głosu", "emotion_stretches": "Emocje stron w kolejnych ćwiartkach rozmowy",
        "arousal_desc": "Pobudzenie głosu od −1 do +1 względem zwykłego głosu tej osoby w rozmowie (głośność, wysokość i zmienność tonu, barwa, tempo, wejścia w słowo).",
        "quarter": "ćwiartka", "emotion_spokojny": "spokojny", "emotion_zadowolony": "zadowolony", "emotion_pobudzony": "pobudzony",
        "emotion_niezadowolony": "niezadowolony", "emotion_zirytowany": "zirytowany", "emotion_zły": "zły",
        "feature_loudness": "głośność", "feature_pitch": "ton", "feature_range": "zakres tonu", "feature_rate": "tempo",
        "semitones": "półt.",
        "emotion_neutralny": "neutralny", "emotion_zaniepokojony": "zaniepokojony",
        "emotion_zdezorientowany": "zdezorientowany", "emotion_smutny": "smutny",
        "role_none": "bez roli", "swap_roles": "⇄ Zamień role", "other_speaker": "↔ inny mówca", "move_to": "Przenieś do…",
        "split": "✂ podziel", "split_hint": "Kliknij słowo, od którego ma się zacząć nowa wypowiedź (Esc — anuluj).",
        "rename": "zmień nazwę", "name": "Nazwa", "needs_review": "do weryfikacji", "role_confidence": "pewność ról",
        "role_method": "metoda", "role_cues": "Przesłanki", "overlap": "mówią jednocześnie", "interruption": "wejście w słowo",
        "talk_stats": "Statystyki rozmowy", "talk_time": "Czas mówienia", "talk_share": "Udział", "utterances": "Wypowiedzi",
        "interruptions": "Przerwania", "overlaps": "Mówienie jednocześnie", "longest_silence": "Najdłuższa cisza",
        "holds": "Wstrzymania", "talk_listen": "Mówienie / słuchanie (konsultant / klient)", "utterance": "wypowiedź",
        "times": "razy",
        "search": "Szukaj w rozmowach", "nav_search": "Szukaj", "search_label": "Słowa lub fraza w cudzysłowie",
        "search_placeholder": "np. reklamacja, \"złożę reklamację\"",
        "search_hint": "Wielkość liter, polskie znaki i odmiana nie mają znaczenia (platnosc znajdzie „płatność”); fraza w cudzysłowie musi paść dokładnie w tej kolejności.",
        "search_results": "Wyniki", "search_none": "Nic nie znaleziono.", "search_more": "więcej wyników",
        "range_show": "Pokaż okres", "rule": "reguła", "quarantine": "Odrzucone pliki", "nav_quarantine": "Odrzucone",
        "quarantine_desc": "Pliki, których SOR nie przyjął; leżą w inbox/failed/ z opisem przyczyny. Łącznie:",
        "quarantine_none": "Brak odrzuconych plików.", "quarantine_kept": "Zachowany jako", "quarantine_next": "Co zrobić:",
        "dashboard": "Pulpit", "nav_calls": "Rozmowy", "period_day": "Dzień", "period_week": "7 dni", "period_month": "30 dni",
        "period_all": "Całość", "period": "Okres", "kpi_calls": "Rozmowy", "kpi_hours": "Czas rozmów", "kpi_average": "Średnia ocena",
        "kpi_pass_rate": "Zaliczone oceny", "kpi_critical": "Z błędem krytycznym", "kpi_review": "Do weryfikacji",
        "kpi_sentiment": "Nastawienie klientów (poz. / neutr. / neg.)", "trend_title": "Średnia ocena dzień po dniu, dla każdej karty",
        "trend_axis": "dzień (MM-DD)", "distribution_title": "Rozkład ocen", "distribution_axis": "ocena (%)",
        "calls_short": "rozm.", "most_failed": "Najczęściej niespełnione kryteria", "best_agents": "Najlepsi konsultanci",
        "worst_agents": "Najsłabsi konsultanci", "teams": "Zespoły", "cards": "Karty", "of": "z", "average": "Średnia",
        "pass_rate": "Zaliczone", "no_scored": "Brak ocenionych rozmów w tym okresie.", "filter_criterion": "Kryterium niespełnione",
        "show_calls": "pokaż rozmowy",
        "download": "Pobierz raport", "older_calls": "Starsze rozmowy (pokazuje je lista z włączonym JavaScriptem)", "guidance": "wskazówki",
        "reports": "Raporty", "no_reports": "Brak raportów: zaplanuj je w sor.yaml (reports.schedule) albo użyj sor report.",
        "reports_hint": "Raporty okresowe zaplanowane w sor.yaml (reports.schedule). Każdy zapis jest w dzienniku audytu jako export.",
        "download_pdf": "Ocena w PDF",
        "filters": "Filtry", "filter_from": "Od", "filter_to": "Do", "filter_all": "wszyscy", "filter_every": "wszystkie", "filter_any": "dowolny",
        "filter_card": "Karta", "filter_score_min": "Ocena od (%)", "filter_score_max": "Ocena do (%)",
        "filter_result": "Wynik", "filter_duration_min": "Czas od (min)", "filter_duration_max": "Czas do (min)",
        "filter_critical": "tylko z błędem krytycznym", "filter_review": "tylko do weryfikacji",
        "filter_reset": "Wyczyść filtry", "filter_none": "Żadna rozmowa nie spełnia tych warunków.",
        "direction_inbound": "przychodzące", "direction_outbound": "wychodzące",
        "sentiment_lexicon": "nastawienie według słownika", "judge": "ocena modelu",
        "judge_note": "opinia modelu językowego, nie wpływa na wynik nastawienia ani na ocenę; model:",
        "delete_call": "Usuń rozmowę", "delete_reason": "Powód usunięcia (trafi do dziennika audytu)",
        "delete_hint": "Usuwa ze SOR nagranie, transkrypcję, ocenę i historię zmian, tak jak sor calls delete; zostaje tylko wpis w dzienniku audytu: kto, kiedy i dlaczego. Może to zrobić administrator.",
        "delete_confirm": "Usuń na stałe", "call_deleted": "Rozmowa usunięta — przechodzę do listy…",
        "requeue": "Przywróć do kolejki", "requeue_hint": "Gdy przyczyna jest usunięta (np. poprawione metadane albo działający silnik), plik wraca do inbox/ i jest przetwarzany od nowa.",
        "requeue_pending": "wysłano, czeka na SOR…", "requeue_done": "wrócił do kolejki", "requeue_refused": "odmowa",
        "upload": "Wgraj nagrania", "nav_upload": "Wgraj",
        "upload_desc": "Przeciągnij tu pliki MP3 lub WAV (albo wybierz je). Każdy trafia do kolejki SOR: jest sprawdzany, przepisywany i oceniany jak każde nagranie; poniżej widać, co się z nim stało.",
        "upload_drop": "Upuść nagrania tutaj", "upload_choose": "Wybierz pliki", "upload_any": "— nie podano —",
        "upload_card": "Karta oceny", "upload_card_auto": "— według reguł sor.yaml —", "upload_send": "Wyślij",
        "upload_sending": "wysyłanie", "upload_queued": "w kolejce", "upload_waiting": "czeka na silnik mowy",
        "upload_processed": "przetworzone", "upload_duplicate": "już jest w SOR", "upload_refused": "odrzucone",
        "upload_failed": "nie wysłano", "upload_open": "otwórz rozmowę",
        "upload_not_allowed": "Twoja rola nie pozwala wgrywać nagrań; poproś kierownika zespołu lub oceniającego.",
    ]

    static let english: [String: String] = [
        "calls": "Calls", "call": "Call", "when": "Date", "file": "File", "duration": "Duration",
        "agent": "Agent", "team": "Team", "language": "Language", "status": "Status", "excerpt": "Opening",
        "direction": "Direction", "campaign": "Campaign", "client_number": "Client number", "audio_format": "Recording",
        "mono": "mono", "stereo": "stereo", "engine": "Speech engine", "transcript": "Transcript",
        "no_calls": "No calls yet. Drop recordings (WAV, MP3, FLAC, OGG) into inbox/.",
        "no_transcript": "No transcript.", "back": "← All calls", "total": "Total",
        "play_hint": "Click a word or a segment to play the recording from there.",
        "audio_unsupported": "This browser cannot play the recording.", "details": "Details",
        "generated_by": "Generated by SOR — call evaluation system",
        "edit": "Correct", "save": "Save", "cancel": "Cancel", "history": "History of changes", "no_history": "No changes.",
        "pending": "Sent — waiting to be applied…", "applied": "applied", "rejected": "rejected",
        "revision": "Revision", "changed_by": "last changed by", "segment": "segment", "who": "Who", "what": "Change",
        "state": "State", "reason": "Reason", "type": "Type", "send_failed": "The correction could not be sent",
        "edit_applied": "Correction applied — reloading…", "edit_rejected": "Correction rejected",
        "evaluation": "Evaluation", "passed": "passed", "failed": "failed", "threshold": "threshold", "weight": "weight",
        "criterion": "Criterion", "automatic": "Automatic", "manual": "Manual", "final": "Result", "points": "Points",
        "evidence": "Evidence", "not_applicable": "n/a", "unanswered": "to evaluate", "critical": "critical",
        "critical_failed": "Critical error", "to_evaluate": "criteria to evaluate by hand", "evaluator": "Evaluator",
        "keep_auto": "— automatic —", "comment": "Comment", "save_evaluation": "Save evaluation",
        "agreement_title": "Agreement of automatic answers with evaluators", "agreement_none": "No call of this period has been evaluated by hand yet.",
        "agreement_hint": "In calls evaluated by hand: the automatic answers the evaluator left unchanged.",
        "agreement_calls": "Calls evaluated", "agreement_answers": "Agreeing answers", "agreement_rate": "Agreement",
        "agreement_lowest": "Criteria with the lowest agreement",
        "dispute": "Dispute", "dispute_open": "Dispute this answer", "dispute_reason": "Why the answer is wrong", "dispute_answer": "The right answer",
        "send_dispute": "Send dispute", "dispute_state_open": "awaiting a decision", "dispute_state_accepted": "accepted",
        "dispute_state_rejected": "rejected", "accept": "Accept", "reject": "Reject", "decision_reason": "Reason for the decision",
        "coaching": "Coaching notes", "coaching_add": "Add a note", "coaching_about_call": "about this call",
        "coaching_about_agent": "about the agent", "coaching_save": "Save note", "coaching_placeholder": "Note (Markdown)",
        "scorecards_version": "scorecards version", "score": "Score", "answer_yes": "yes", "answer_no": "no",
        "answer_partial": "partly", "answer_na": "n/a", "no_evaluation": "The call has not been evaluated yet.",
        "choose_answer": "Choose an answer for at least one criterion.",
        "speakers": "Speakers", "speaker": "Speaker", "role": "Role", "role_KLIENT": "Client", "role_KONSULTANT": "Agent",
        "sentiment": "Sentiment", "sentiment_chart": "Sentiment over the call",
        "sentiment_desc": "Each utterance's score from −1 (negative) to +1 (positive); clicking a point plays the recording from there.",
        "sentiment_positive": "positive", "sentiment_negative": "negative", "sentiment_time": "call time (min:s)",
        "sentiment_extremes": "most negative and most positive moment", "sentiment_negatywny": "negative",
        "sentiment_neutralny": "neutral", "sentiment_pozytywny": "positive", "sentiment_mieszany": "mixed",
        "sentiment_change": "change from start to end", "sentiment_overall": "Whole call", "sentiment_score": "score",
        "emotion": "emotion", "arousal": "voice arousal", "emotion_stretches": "Each party's emotion over the quarters of the call",
        "arousal_desc": "Voice arousal from −1 to +1 against this person's usual voice in the call (loudness, pitch and its range, brightness, rate, interruptions).",
        "quarter": "quarter", "emotion_spokojny": "calm", "emotion_zadowolony": "pleased", "emotion_pobudzony": "agitated",
        "emotion_niezadowolony": "dissatisfied", "emotion_zirytowany": "irritated", "emotion_zły": "angry",
        "feature_loudness": "loudness", "feature_pitch": "pitch", "feature_range": "pitch range", "feature_rate": "rate",
        "semitones": "st",
        "role_none": "no role", "swap_roles": "⇄ Swap roles", "other_speaker": "↔ other speaker", "move_to": "Move to…",
        "split": "✂ split", "split_hint": "Click the word the new utterance should start with (Esc cancels).",
        "rename": "rename", "name": "Name", "needs_review": "to review", "role_confidence": "role confidence",
        "role_method": "method", "role_cues": "Cues", "overlap": "talking at once", "interruption": "interruption",
        "talk_stats": "Talk statistics", "talk_time": "Talk time", "talk_share": "Share", "utterances": "Utterances",
        "interruptions": "Interruptions", "overlaps": "Talking at once", "longest_silence": "Longest silence",
        "holds": "Holds", "talk_listen": "Talk / listen (agent / client)", "utterance": "utterance",
        "times": "times",
        "search": "Search the calls", "nav_search": "Search", "search_label": "Words, or a phrase in quotes",
        "search_placeholder": "e.g. complaint, \"cancel my contract\"",
        "search_hint": "Case, Polish letters and inflection do not matter (platnosc finds „płatność”); a phrase in quotes must be said in that order.",
        "search_results": "Results", "search_none": "Nothing found.", "search_more": "more results",
        "range_show": "Show the period", "rule": "rule", "quarantine": "Refused files", "nav_quarantine": "Refused",
        "quarantine_desc": "Files SOR did not accept; they are kept in inbox/failed/ with the reason. Total:",
        "quarantine_none": "No refused files.", "quarantine_kept": "Kept as", "quarantine_next": "What to do:",
        "dashboard": "Dashboard", "nav_calls": "Calls", "period_day": "Day", "period_week": "7 days", "period_month": "30 days",
        "period_all": "Everything", "period": "Period", "kpi_calls": "Calls", "kpi_hours": "Talk time", "kpi_average": "Average score",
        "kpi_pass_rate": "Evaluations passed", "kpi_critical": "With a critical error", "kpi_review": "To review",
        "kpi_sentiment": "Client sentiment (pos. / neutr. / neg.)", "trend_title": "Average score day by day, per card",
        "trend_axis": "day (MM-DD)", "distribution_title": "Score distribution", "distribution_axis": "score (%)",
        "calls_short": "calls", "most_failed": "Most often failed criteria", "best_agents": "Best agents",
        "worst_agents": "Weakest agents", "teams": "Teams", "cards": "Cards", "of": "of", "average": "Average",
        "pass_rate": "Passed", "no_scored": "No scored calls in this period.", "filter_criterion": "Failed criterion",
        "show_calls": "show calls",
        "download": "Download the report", "older_calls": "Older calls (the list shows them with JavaScript on)", "guidance": "guidance",
        "reports": "Reports", "no_reports": "No reports: schedule them in sor.yaml (reports.schedule) or use sor report.",
        "reports_hint": "Period reports scheduled in sor.yaml (reports.schedule). Each one written is in the audit log as an export.",
        "download_pdf": "Evaluation as PDF",
        "filters": "Filters", "filter_from": "From", "filter_to": "To", "filter_all": "all", "filter_every": "all", "filter_any": "any",
        "filter_card": "Card", "filter_score_min": "Score from (%)", "filter_score_max": "Score to (%)",
        "filter_result": "Result", "filter_duration_min": "Length from (min)", "filter_duration_max": "Length to (min)",
        "filter_critical": "critical errors only", "filter_review": "to review only",
        "filter_reset": "Clear filters", "filter_none": "No call matches these conditions.",
        "direction_inbound": "inbound", "direction_outbound": "outbound",
        "sentiment_lexicon": "sentiment by the lexicon", "judge": "model’s view",
        "judge_note": "a language model’s opinion; it changes neither the sentiment score nor the evaluation; model:",
        "delete_call": "Delete the call", "delete_reason": "Why it is deleted (kept in the audit log)",
        "delete_hint": "Erases the recording, transcript, evaluation and history from SOR, as sor calls delete does; only an audit entry stays: who, when and why. An admin's.",
        "delete_confirm": "Delete for good", "call_deleted": "Call deleted — going to the list…",
        "requeue": "Put back in the queue", "requeue_hint": "Once its cause is fixed (corrected metadata, a working engine), the file goes back to inbox/ and is processed again.",
        "requeue_pending": "sent, waiting for SOR…", "requeue_done": "back in the queue", "requeue_refused": "refused",
        "upload": "Upload recordings", "nav_upload": "Upload",
        "upload_desc": "Drag MP3 or WAV files here (or choose them). Each joins SOR's queue: it is checked, transcribed and scored like any recording; below you see what became of it.",
        "upload_drop": "Drop recordings here", "upload_choose": "Choose files", "upload_any": "— not given —",
        "upload_card": "Scorecard", "upload_card_auto": "— by the rules in sor.yaml —", "upload_send": "Send",
        "upload_sending": "sending", "upload_queued": "queued", "upload_waiting": "waiting for the speech engine",
        "upload_processed": "processed", "upload_duplicate": "already in SOR", "upload_refused": "refused",
        "upload_failed": "not sent", "upload_open": "open the call",
        "upload_not_allowed": "Your role does not allow uploading recordings; ask the team lead or an evaluator.",
        // The judge's emotions that the acoustic model does not use.
        "emotion_neutralny": "neutral", "emotion_zaniepokojony": "worried", "emotion_zdezorientowany": "confused",
        "emotion_smutny": "sad",
    ]
}
